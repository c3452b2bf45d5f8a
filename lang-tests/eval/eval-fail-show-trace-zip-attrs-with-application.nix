# zipAttrsWith evaluates its function: its applications are at the function.
builtins.zipAttrsWith (n: v: throw "x") [ { a = 1; } ]
