# Tabs expand to multiples of 8 columns counted in characters (not bytes) from the start of
# the message; newlines do not count and do not start the count again.
builtins.trace "é\tx" (builtins.trace "€€\n\tc" (builtins.trace "a\nb\tc" null))
