builtins.fetchTree { type = "file"; url = "file:///x"; name = "n"; }
