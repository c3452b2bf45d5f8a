builtins.fetchGit { url = ./git/history; bogus = 1; }
