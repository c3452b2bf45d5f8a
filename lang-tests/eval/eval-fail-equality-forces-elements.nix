[ (throw "compared") ] == [ 1 ]
