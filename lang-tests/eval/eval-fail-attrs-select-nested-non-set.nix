{ a = "s"; }.a.b
