{ inherit ({ x = 1; y = 2; }) x; inherit (builtins) length; z = 1; }
