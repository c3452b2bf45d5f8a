[
  (1 + 2.0) (2.0 + 1) (3 - 0.5) (0.5 - 3) (2 * 1.5) (1.5 * 2) (7 / 2.0) (7.0 / 2)
  (builtins.add 1 1.0) (builtins.sub 1.0 1) (builtins.mul 3 0.5) (builtins.div 1 4.0)
  (builtins.typeOf (1 + 1.0)) (builtins.typeOf (2 * 2))
]
