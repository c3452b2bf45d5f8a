let f = x: ./. + "/${x}"; in [ (f "a") (f "b/c") ]
