with { a = "with"; }; ({ a ? "default" }: a) { }
