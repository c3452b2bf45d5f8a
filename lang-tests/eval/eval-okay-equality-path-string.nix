[ (./a == "a") ("/x" == /x) (toString /x == "/x") ]
