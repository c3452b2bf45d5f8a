builtins.fetchTree { type = "git"; url = toString ./git/history; ref = "v1"; narHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; }
