[ (import <pkgs/pkg>) (import <pkgs/pkg/sub.nix>) (import <pkgs/plain.nix>) <pkgs> <pkgs/pkg> ]
