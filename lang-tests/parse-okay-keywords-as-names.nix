x: { or = 1; a.or = x.or; "if" = 2; inherit (x) "then"; }
