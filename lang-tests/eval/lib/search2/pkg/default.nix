{ name = "pkg from the second entry"; }
