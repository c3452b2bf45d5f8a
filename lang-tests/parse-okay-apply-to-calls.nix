a: b: c: [ ((a - b) c) ((a < b) c) ((a > b) c) ((a <= b) c) ((-a) b) (<x> c) ((a + b) c) ]
