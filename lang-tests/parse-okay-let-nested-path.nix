x: let a.b = 1; a.c = 2; a.${x} = 3; in a
