# A function with formals is called even when no argument is given.
{ a ? "only default" }: a
