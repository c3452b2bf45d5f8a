# a NUL byte in a quoted key is refused as one in a value is
builtins.fromTOML ''t."b\u0000".c = 1''
