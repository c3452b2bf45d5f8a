let f = { a, b, ... }@all: builtins.attrNames all; in f { a = 1; b = 2; c = 3; }
