builtins.readDir ./fs/kinds
