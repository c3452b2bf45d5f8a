import (toString ./lib/one.nix)
