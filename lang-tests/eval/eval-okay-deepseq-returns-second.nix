[ (builtins.deepSeq [ ] 1) (builtins.deepSeq { } [ 2 ]) (builtins.seq null "s") ]
