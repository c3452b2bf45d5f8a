# Files imported are parsed with the evaluation's features: no-url-literals refuses the
# URL literal of the imported file, through the import's trace.
import ./lib/url-literal.nix
