# The --arg expressions are parsed before anything is evaluated: a syntax error in one is
# reported though the argument is never used.
1
