[ (if true then "taken" else throw "not taken") (if false then abort "not taken" else "else") ]
