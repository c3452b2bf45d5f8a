builtins.trace "before the failure" (throw "after the trace")
