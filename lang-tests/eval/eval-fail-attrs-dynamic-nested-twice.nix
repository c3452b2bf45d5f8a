let n = "inner"; in { outer.${n}.leaf = 1; outer.${n}.other = 2; ${n}.x = 3; }
