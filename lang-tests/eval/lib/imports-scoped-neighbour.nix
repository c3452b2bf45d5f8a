# A plain import inside a scoped import does not see the scope.
import ./uses-free-names.nix
