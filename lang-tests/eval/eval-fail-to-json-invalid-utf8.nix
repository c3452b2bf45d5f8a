# nlohmann::json refuses a string that is not UTF-8; C++ Nix names the byte.
{ a = builtins.toJSON [ "ok" (builtins.substring 1 1 "é") ]; }
