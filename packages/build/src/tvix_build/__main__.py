"""``python -m tvix_build``: the ``tvix-build`` command."""

from tvix_build.cli import main

main()
