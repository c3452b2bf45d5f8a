[ (true || false && false) (!true || true) (false -> false -> false) (true -> false -> false) (1 == 1 && 2 < 3) (! (1 == 2)) ]
