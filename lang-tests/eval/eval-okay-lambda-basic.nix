[ ((x: x + 1) 1) ((x: y: x * y) 6 7) (let f = x: y: z: [ x y z ]; in f 1 2 3) ((f: f 2) (x: x * x)) ]
