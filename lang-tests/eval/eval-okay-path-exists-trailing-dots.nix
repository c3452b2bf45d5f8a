# A string ending in "/" or "/." must name a directory (symlinks followed); "//", "/./" and
# "/.." are made canonical first. Paths cannot end so: they only name what they name.
let
  here = toString ./.;
  probe = path: suffix: builtins.pathExists (here + path + suffix);
  suffixes = [ "" "/" "/." "/./" "//" "/./." "/.//" "/.." "/../" "/x/.." "/x/../" ];
  paths = [
    "/lib/one.nix"
    "/lib"
    "/fs/link-to-one.nix"
    "/fs/link-to-dir"
    "/fs/dangling.nix"
    "/fs/kinds/fifo"
    "/fs/empty"
    "/fs/nope"
  ];
in
{
  strings = map (path: map (probe path) suffixes) paths;
  paths = map (suffix: builtins.pathExists (./lib/one.nix + suffix)) suffixes;
  root = map builtins.pathExists [ "/" "/." "//" "/./" "/.." ];
}
