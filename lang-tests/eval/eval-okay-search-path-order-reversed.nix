[ (import <pkg>) (import <plain.nix>) ]
