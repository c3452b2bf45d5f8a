{ outPath = "/x"; ignored = 1; }
