# Literals are values already, even in a lazy print.
{ i = 1; s = "s"; l = [ 1 2 ]; n = null; f = 1.5; p = ./p; set = { a = 1; }; }
