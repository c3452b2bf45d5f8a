"""``python -m tvix_castore`` runs the ``tvix-castore`` command."""

from tvix_castore.cli import main

main()
