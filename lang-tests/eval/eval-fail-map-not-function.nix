map 1 [ 1 2 ]
