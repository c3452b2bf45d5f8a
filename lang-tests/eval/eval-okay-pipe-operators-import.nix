# Files imported are parsed with the evaluation's features: pipes work in them.
import ./lib/pipes.nix
