{ name = "pkg via search path"; }
