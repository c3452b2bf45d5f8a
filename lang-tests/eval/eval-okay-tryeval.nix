[
  (builtins.tryEval 1) (builtins.tryEval (throw "x")) (builtins.tryEval (assert false; 1))
  (builtins.tryEval "ok") (builtins.tryEval { a = throw "not deep"; }).success
  (builtins.tryEval [ (throw "not deep") ]).success
]
