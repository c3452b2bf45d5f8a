let t = { }; in !(!(t.flag))
