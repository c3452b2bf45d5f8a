# The thunk of a parenthesised argument contains its operator: the operand line is kept.
builtins.seq ((x: throw "x") 1 // { }) 1
