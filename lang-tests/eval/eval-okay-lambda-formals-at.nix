let
  f = args@{ a, b ? 2, ... }: [ a b args ];
  g = { a, ... }@args: args;
in [ (f { a = 1; c = 3; }) (g { a = 0; z = 9; }) ]
