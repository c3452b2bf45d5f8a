import (./fs + "/café.nix")
