# Without no-url-literals, a URL literal is a string (here in an imported file).
import ./lib/url-literal.nix
