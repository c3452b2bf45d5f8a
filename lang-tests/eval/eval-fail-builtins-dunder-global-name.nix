__map (x: x) [ 1 ]
