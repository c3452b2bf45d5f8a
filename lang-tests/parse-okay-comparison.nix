a: b: [ (a < b) (a <= b) (a > b) (a >= b) (a == b) (a != b) (a + 1 < b) (a < b == true) ]
