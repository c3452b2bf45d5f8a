[ ("a" + "b") ("" + "") ("foo" + "" + "bar") (let s = "x"; in s + s + s) ]
