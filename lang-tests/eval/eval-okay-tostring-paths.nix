[ (toString ./a) (toString ./a/../b) (toString /x/y) (toString ./.) (toString [ ./a ./b ]) ]
