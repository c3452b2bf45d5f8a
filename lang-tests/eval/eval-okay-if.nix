[ (if true then 1 else 2) (if false then 1 else 2) (if 1 < 2 then "yes" else "no") (if false then 1 else 2 == 2) (if true then if false then "a" else "b" else "c") ]
