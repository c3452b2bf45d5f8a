# The lines of a context message after the first are indented as the error's.
builtins.addErrorContext "ctx  \n  x  \n\n    y" (throw "m")
