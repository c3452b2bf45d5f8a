{ a, b ? "default b" }: { inherit a b; }
