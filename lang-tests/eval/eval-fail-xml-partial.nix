# --xml --strict forces while it prints: the error comes after what was printed before it,
# with every element opened so far closed.
{ a = [ 1 { x = "y"; z = throw "in the middle"; } 3 ]; b = 2; }
