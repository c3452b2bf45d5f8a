[
  (builtins.typeOf 1) (builtins.typeOf 1.0) (builtins.typeOf "s") (builtins.typeOf ./p) (builtins.typeOf true)
  (builtins.typeOf null) (builtins.typeOf [ ]) (builtins.typeOf { }) (builtins.typeOf (x: x))
  (builtins.typeOf builtins.add) (builtins.typeOf (builtins.add 1)) (builtins.typeOf ''s'') (builtins.typeOf { outPath = "x"; })
]
