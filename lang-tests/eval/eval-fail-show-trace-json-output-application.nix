# --json forces an attribute at its position.
{ a = map (x: throw "x") [ 1 ]; }
