# Without the experimental feature pipe-operators, the lexer refuses `|>` where it meets it.
let inc = x: x + 1; in
1 |> inc
