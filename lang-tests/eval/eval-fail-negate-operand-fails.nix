let v = "s"; in -(v + 1)
