[
  (builtins.removeAttrs { a = 1; b = 2; c = 3; } [ "a" "c" ]) (builtins.removeAttrs { a = 1; } [ ])
  (builtins.removeAttrs { a = 1; } [ "x" "y" ]) (builtins.removeAttrs { } [ "a" ])
  (builtins.removeAttrs { a = 1; b = 2; } [ "a" "a" ])
]
