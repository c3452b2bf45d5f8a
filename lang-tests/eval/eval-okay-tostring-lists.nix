[ (toString [ ]) (toString [ 1 2 ]) (toString [ "a" [ "b" [ ] "c" ] ]) (toString [ null true false 1 ]) (toString [ [ ] [ ] ]) (toString [ "" "" ]) ]
