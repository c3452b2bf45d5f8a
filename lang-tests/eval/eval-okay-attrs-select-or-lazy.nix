let s = { a = 1; }; in [ ((s.b or { c = 7; }).c or 5) (s.a or (throw "not evaluated")) ({ a = throw "not selected"; }.b or 3) ]
