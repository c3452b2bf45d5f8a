# The default of a selection is evaluated inside it: once an attribute of the path was found,
# an error there gets the selection's line.
let
  v = { o = { }; m = throw "x"; };
in
v.o.value or v.m
