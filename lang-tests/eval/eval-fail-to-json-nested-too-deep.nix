# A list nested 100000 deep is deeper than C++ Nix's JSON writer's stack goes (about 99840)
let
  nest = n: if n == 0 then [ ] else [ (nest (n - 1)) ];
in
builtins.toJSON (nest 100000)
