# ... which for an application that map made, forced by --strict, is the function's own.
map ({ a }: a) [ (throw "y") ]
