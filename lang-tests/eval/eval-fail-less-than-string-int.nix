let s = "a"; in 1 < s
