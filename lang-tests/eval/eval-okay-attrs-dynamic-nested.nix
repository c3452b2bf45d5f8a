let n = "inner"; in { outer.${n}.leaf = 1; outer.static = 2; ${n}.x = 3; ${n + "2"}.y.z = 4; }
