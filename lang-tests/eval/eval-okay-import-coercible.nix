import { outPath = toString ./lib/one.nix; }
