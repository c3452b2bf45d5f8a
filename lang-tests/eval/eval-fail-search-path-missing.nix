<nowhere/file.nix>
