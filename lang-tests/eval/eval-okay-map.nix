[ (map (x: x * x) [ 1 2 3 ]) (map (x: x) [ ]) (builtins.map toString [ 1 "a" null ]) (map (f: f 1) [ (x: x + 1) (x: x * 10) ]) ]
