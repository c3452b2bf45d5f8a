# substring counts bytes, so it can cut a character in half; what prints is those bytes.
[ (builtins.substring 0 1 "é") (builtins.stringLength (builtins.substring 0 1 "é")) (builtins.substring 1 1 "aéb") ]
