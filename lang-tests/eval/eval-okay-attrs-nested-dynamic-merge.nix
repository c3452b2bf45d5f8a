let k = "dyn"; in { a.${k} = 1; a.static = 2; }
