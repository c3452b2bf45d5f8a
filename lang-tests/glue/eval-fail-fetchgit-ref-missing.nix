builtins.fetchGit { url = ./git/history; ref = "nope"; }
