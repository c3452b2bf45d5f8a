[ (builtins.toJSON { outPath = "/some/path"; other = 1; }) (builtins.toJSON [ { outPath = "o"; } ]) ]
