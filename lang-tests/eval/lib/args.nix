{ a, b ? "default b", ... }@args: { inherit a b; names = builtins.attrNames args; }
