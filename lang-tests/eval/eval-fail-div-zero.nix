let zero = 0; in 1 / zero
