let inherit' = 2; true' = 3; __x = 4; x-y = 5; in [ inherit' true' __x x-y ]
