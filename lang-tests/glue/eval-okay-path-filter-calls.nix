# What the filter is called with, in order (traced).
builtins.filterSource (p: t: builtins.trace "${baseNameOf p} ${t}" true) ./src
