with { x = "outer"; y = "outer"; z = "outer"; }; with { y = "middle"; z = "middle"; }; with { z = "inner"; }; [ x y z ]
