[
  (builtins.foldl' (acc: x: acc + x) 0 [ 1 2 3 4 ]) (builtins.foldl' (acc: x: acc ++ [ x ]) [ ] [ 1 2 ])
  (builtins.foldl' (a: b: b) "init" [ ]) (builtins.foldl' (acc: x: "${acc}${x}") "" [ "a" "b" "c" ])
  (builtins.foldl' (acc: x: acc // { ${x} = true; }) { } [ "p" "q" ])
]
