rec { n = "name"; ${n + "d"} = 1; }
