builtins.attrNames { c = 1; a = 2; b = 3; "C" = 4; "a1" = 5; "a10" = 6; "a2" = 7; }
