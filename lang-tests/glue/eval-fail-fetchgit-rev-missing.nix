builtins.fetchGit { url = ./git/history; rev = "1111111111111111111111111111111111111111"; }
