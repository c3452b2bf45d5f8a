[
  (1 == 1) (1 == 2) ("a" == "a") ("a" == "b") (true == true) (true == false) (null == null)
  (null == false) (1 == "1") ("" == null) (./a == ./a) (./a == ./b) ([ ] == [ ]) ({ } == { })
]
