[ (true && true) (true && false) (false || true) (false || false) (!true) (!false) (true -> false) (false -> throw "x") (true -> true) ]
