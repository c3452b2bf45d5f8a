with { length = "from with"; }; [ length builtins.length ]
