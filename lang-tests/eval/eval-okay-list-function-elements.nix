# A list element that is an application needs parentheses: without them, each is an element.
let f = x: x; in [ f 1 (f 2) ]
