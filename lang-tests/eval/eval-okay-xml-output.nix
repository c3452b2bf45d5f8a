{ a = 1; b = "s"; c = [ true null 1.5 ]; d = ./p; e = x: x; f = { a ? 1, b }: a; }
