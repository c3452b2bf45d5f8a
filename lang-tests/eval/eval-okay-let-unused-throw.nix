let unused = throw "not evaluated"; also = abort "not evaluated"; in "fine"
