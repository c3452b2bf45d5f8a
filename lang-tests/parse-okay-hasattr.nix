x: [ (x ? a) (x ? a.b) (x ? "a") (x ? ${x}) (x ? a ? b) (x ? a.${x}."b") ]
