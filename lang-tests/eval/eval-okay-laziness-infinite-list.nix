let nats = n: [ n ] ++ (if n > 10 then [ ] else nats (n + 1)); in builtins.elemAt (nats 0) 3
