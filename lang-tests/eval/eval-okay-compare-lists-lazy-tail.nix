# Comparison stops at the first element that differs: what follows is never evaluated.
[ ([ 1 (throw "not compared") ] < [ 2 (throw "not compared") ]) ([ 1 ] < [ 1 (throw "longer") ]) ]
