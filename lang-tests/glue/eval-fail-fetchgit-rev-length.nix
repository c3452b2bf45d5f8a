builtins.fetchGit { url = ./git/history; rev = "abc"; }
