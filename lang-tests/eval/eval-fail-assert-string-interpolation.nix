let v = "x"; in assert "${v}y" == "xz"; v
