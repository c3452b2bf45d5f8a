let x = "let"; f = y: with { x = "with"; inherit y; }; [ x y ]; in f "arg"
