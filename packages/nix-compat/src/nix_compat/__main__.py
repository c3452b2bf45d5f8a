import sys

from nix_compat.cli import main

sys.exit(main())
