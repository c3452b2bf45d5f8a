let s = "hello world"; in [
  (builtins.substring 0 5 s) (builtins.substring 6 5 s) (builtins.substring 6 100 s)
  (builtins.substring 0 0 s) (builtins.substring 11 3 s) (builtins.substring 20 3 s)
  (builtins.substring 3 (-1) s) (builtins.substring 0 1 "") (builtins.substring 1 2 "日本")
]
