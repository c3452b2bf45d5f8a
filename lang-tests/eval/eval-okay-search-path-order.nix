# The first entry that has the file wins; later entries fill in what earlier ones lack.
[ (import <pkg>) (import <only-here.nix>) ]
