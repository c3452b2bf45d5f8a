let f = s: with s; x * 2; in [ (f { x = 1; }) (f { x = 21; }) ]
