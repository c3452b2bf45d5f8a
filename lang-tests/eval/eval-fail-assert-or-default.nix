let s = { }; in assert s.flag or false; "no"
