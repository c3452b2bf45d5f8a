a: b: c: if a then if b then 1 else 2 else if c then 3 else 4
