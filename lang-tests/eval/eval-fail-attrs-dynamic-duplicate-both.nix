let k = "x"; in { ${k} = 1; ${k} = 2; }
