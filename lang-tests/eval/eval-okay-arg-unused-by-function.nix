# Arguments the function does not take are not passed to it.
{ a }: a
