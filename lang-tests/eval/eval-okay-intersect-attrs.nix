[
  (builtins.intersectAttrs { a = 1; b = 2; } { b = "right b"; c = 3; a = "right a"; })
  (builtins.intersectAttrs { } { a = 1; }) (builtins.intersectAttrs { a = 1; } { })
]
