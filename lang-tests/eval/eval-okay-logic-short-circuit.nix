[ (false && throw "x") (true || throw "x") (false -> abort "x") (!(false && 1)) ]
