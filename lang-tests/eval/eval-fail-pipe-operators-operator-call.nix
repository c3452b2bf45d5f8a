# `a |> 2 - 1` is C++ Nix's call `__sub 2 1 a`: the integer 1 is called, at the `-`.
1 |> 2 - 1
