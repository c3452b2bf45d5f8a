# `|>` and `<|` do not mix without parentheses (each is a rule of its own in C++ Nix's
# grammar): the second one is a syntax error.
let inc = x: x + 1; in
1 |> inc <| 2
