[ [ ] [ 1 ] [ 1 "two" 3.0 null true ./four { five = 5; } [ 6 ] ] [ (x: x) builtins.head ] ]
