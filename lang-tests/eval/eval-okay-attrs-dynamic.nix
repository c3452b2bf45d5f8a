let k = "key"; in { ${k} = 1; "${k}2" = 2; ${"a" + "b"} = 3; "static" = 4; ${"with space"} = 5; }
