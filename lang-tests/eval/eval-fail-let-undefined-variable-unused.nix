let unused = not-defined; in 1
