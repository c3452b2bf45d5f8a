<pkgs/absent.nix>
