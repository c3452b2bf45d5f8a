rec { a = 1; b = a + 10; __overrides = { a = 2; c = 3; }; }
