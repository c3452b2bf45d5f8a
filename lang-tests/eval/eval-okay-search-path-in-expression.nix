let dir = <pkgs>; in import (dir + "/pkg/sub.nix")
