let l = [ 1 2 ]; s = { a = 1; }; e = [ ]; n = { }; in [ l l s s e e n n "str" "str" ]
