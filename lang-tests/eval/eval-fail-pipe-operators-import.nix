# Files imported are parsed with the same features: pipes are refused in them too.
import ./lib/pipes.nix
