# String building: interpolation, concatStringsSep, toString, substring, stringLength.
# bench: full n=30000, smoke n=100
{ n }:
let
  inherit (builtins) genList concatStringsSep foldl' stringLength substring length;
  words = genList (i: "w${toString i}-${toString (i * i)}") n;
  line = concatStringsSep "," words;
  lengths = foldl' (acc: w: acc + stringLength w) 0 words;
  pieces = genList (i: substring (i * 7) 5 line) (n / 2);
  joined = concatStringsSep "" pieces;
  # Growing a string one interpolation at a time (each step copies it, in every evaluator).
  grown = foldl' (acc: i: "${acc}<${toString i}>") "" (genList (i: i) (n / 15));
  lines = map (w: ''
    entry ${w} = "${substring 0 3 w}";
  '') words;
  text = concatStringsSep "" lines;
  shown = toString [ 1 "two" true null 2.5 [ "x" [ 3 ] ] ];
in
{
  inherit lengths shown;
  line = stringLength line;
  joined = stringLength joined;
  grown = stringLength grown;
  text = stringLength text;
  head = substring 0 40 text;
  tail = substring (stringLength line - 30) 30 line;
  sample = builtins.elemAt pieces (n / 4);
}
