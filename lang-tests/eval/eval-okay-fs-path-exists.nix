map builtins.pathExists [ ./fs/empty ./fs/link-to-one.nix ./fs/dangling.nix ./fs/kinds/fifo ./fs/nope (./fs + "/café.nix") ]
