[ (map (v: v) [ 1 ]) (toString 2) true ]
