f: x: y: [ (f x y) ((f x) y) (f (x y)) (f x.y) ]
