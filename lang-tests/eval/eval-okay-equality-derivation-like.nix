# Sets of type "derivation" compare by their outPath alone.
[
  ({ type = "derivation"; outPath = "x"; a = 1; } == { type = "derivation"; outPath = "x"; a = 2; })
  ({ type = "derivation"; outPath = "x"; } == { type = "derivation"; outPath = "y"; })
  ({ type = "other"; outPath = "x"; a = 1; } == { type = "other"; outPath = "x"; a = 2; })
]
