# The call a pipe makes is at the operator: that is where its error is reported.
let x = 1; in
x
  |> builtins.toString
  |> 2
