# of several, the one whose binding name was interned first (map: at start-up)
{ a = y; toString = z; map = x; }
