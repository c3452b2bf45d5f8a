[ true false null builtins.true builtins.false builtins.null (builtins.null == null) (builtins.true == true) ]
