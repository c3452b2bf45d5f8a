let a = "let"; in rec { a = "rec"; b = a; }
