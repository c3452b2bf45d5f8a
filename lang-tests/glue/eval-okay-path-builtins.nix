# Adding trees: interpolation, builtins.path (name, filter, recursive, sha256), filterSource.
{
  interpolated = "${./src}";
  file = "${./src/a.txt}";
  symlinkItself = "${./src-link}";
  followed = builtins.path { path = ./src-link; };
  plain = builtins.path { path = ./src; };
  named = builtins.path { path = ./src; name = "renamed"; };
  filtered = builtins.path { path = ./src; filter = p: t: t != "symlink" && baseNameOf p != "sub"; };
  flat = builtins.path { path = ./src/a.txt; recursive = false; };
  checked = builtins.path { path = ./src/a.txt; sha256 = "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq"; recursive = false; };
  source = builtins.filterSource (p: t: t == "directory" || builtins.match ".*\\.txt" p != null) ./src;
  ctx = builtins.getContext "${./src}";
  storePath = builtins.storePath "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x";
  storePathCtx = builtins.getContext (builtins.storePath "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x/sub");
}
