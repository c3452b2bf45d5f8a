let
  max = 9223372036854775807;
  min = -max - 1;
in
[ max min (max - 1 + 1) (min + 1 - 1) (min / 1) (max / -1) (max * 1) (min * 1) (min / 2) ]
