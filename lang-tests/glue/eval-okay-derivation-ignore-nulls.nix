let
  mk = extra: (derivation ({ name = "n"; system = "x"; builder = "/bin/sh"; maybe = null; } // extra)).drvPath;
in
[ (mk { }) (mk { __ignoreNulls = true; }) (mk { __ignoreNulls = false; }) ]
