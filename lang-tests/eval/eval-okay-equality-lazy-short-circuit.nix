# Lists of different lengths and sets with different names are unequal without looking inside.
[ ([ (throw "a") ] == [ 1 2 ]) ({ a = throw "a"; } == { b = 1; }) ({ a = throw "a"; } == { a = throw "a"; b = 1; }) ]
