[ <nixpkgs> <nixpkgs/lib> <a.b/c-d_e+f> ]
