# import of a missing file is not evaluated unless used.
let unused = import ./lib/does-not-exist.nix; in "fine"
