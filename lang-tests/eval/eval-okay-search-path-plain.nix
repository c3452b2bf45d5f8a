[ (import <pkg>) (import <plain.nix>) <pkg/sub.nix> ]
