builtins.fetchTree { url = "x"; }
