# nixpkgs' module system colours parts of its messages; C++ Nix's logger removes escape
# sequences from what it writes to a stderr that is not a terminal.
let
  esc = builtins.fromJSON ''"\u001b"'';
  bel = builtins.fromJSON ''"\u0007"'';
in
throw (builtins.concatStringsSep "|" [
  "${esc}[1;35mcolour${esc}[0m"
  "${esc}]8;;https://nixos.org${esc}\\link${esc}]8;;${esc}\\"
  "${esc}]0;title${bel}after"
  "${esc}Mreverse-index"
  "${esc}[?25lcursor"
  "tab\tafter é\tand€\tend"
  "cr\rbell${bel}"
  "A${esc}]0;t${bel}B${esc}[1mC${esc}]x${esc}aD"
  "broken${esc}["
])
