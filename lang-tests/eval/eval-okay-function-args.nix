[
  (builtins.functionArgs ({ a, b ? 1 }: a)) (builtins.functionArgs (x: x)) (builtins.functionArgs ({ ... }: 1))
  (builtins.functionArgs ({ x ? 1, ... }@a: 1)) (builtins.functionArgs builtins.add)
]
