# What <p> finds has its symlinks resolved, in the entry and after it.
[ <root/fs/link-to-dir> <root/fs/link-to-link.nix> (import <root/fs/link-to-link.nix>) ]
