abort [ "not a string" ]
