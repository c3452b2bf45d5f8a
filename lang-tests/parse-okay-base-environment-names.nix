# names of the base environment, however little we implement of them, and names under with
x: [ derivation fetchGit __getFlake __fetchurl __curPos <nixpkgs> (with x; y) ]
