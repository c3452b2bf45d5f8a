"""The formats of C++ Nix: nixbase32, hashes, store paths, NAR, ATerm derivations, narinfo and
signatures, the daemon wire protocol.
"""

from nix_compat._version import __version__

__all__ = ["__version__"]
