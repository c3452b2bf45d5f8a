let c = null; in if c then 1 else 2
