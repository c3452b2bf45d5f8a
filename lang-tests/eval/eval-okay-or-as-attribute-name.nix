let s = { or = "or value"; }; in [ s.or (s ? or) ]
