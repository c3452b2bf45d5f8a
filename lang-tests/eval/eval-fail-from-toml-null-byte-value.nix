# C++ Nix refuses a TOML string that holds a NUL byte (its strings end at one)
builtins.fromTOML ''a = [ "ok", "x\u0000y" ]''
