[ (toString 42) (toString (-7)) (toString true) (toString false) (toString null) (toString "s") (toString 1.5) (toString 0.1) (toString 1.0e30) (toString 100.0) ]
