# C++ Nix ends no line of an error in whitespace: not the message's lines, not quoted source.   
throw "a  \nb\t\n \t \nc  "   
