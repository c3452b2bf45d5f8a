builtins.toJSON [ [ [ [ [ { a = [ { b = [ ]; } ]; } ] ] ] ] ]
