builtins.trace "quote \" newline \n tab \t" null
