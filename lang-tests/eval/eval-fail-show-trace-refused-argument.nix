# A function refusing its argument was not entered: no "while calling" line for it, only
# its call site.
({ a }@args: args) ((x: throw "x") 1)
