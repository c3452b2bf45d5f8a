let n = "x"; in throw "bad value ${n}"
