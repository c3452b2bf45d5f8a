# An element compared with itself in the same position is equal without being looked at.
let x = { f = y: y; }; in [ (x == x) ([ x ] == [ x ]) ]
