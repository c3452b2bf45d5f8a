builtins.fetchGit { url = ./git/history; ref = 1; }
