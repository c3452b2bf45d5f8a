# Printed lazily, the throw is never reached; strictly it would fail.
{ ok = "value"; bad = throw "never printed lazily"; list = [ (abort "nor this") ]; }
