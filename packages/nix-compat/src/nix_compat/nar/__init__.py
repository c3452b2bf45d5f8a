"""NAR, the Nix ARchive: the one serialisation of a file system tree that Nix hashes and ships.

- :mod:`~nix_compat.nar.format`: the grammar's tokens and limits, entry paths;
- :mod:`~nix_compat.nar.writer`: :class:`NarWriter`, emitting a NAR node by node;
- :mod:`~nix_compat.nar.nodes`: a NAR as a tree of values in memory;
- :mod:`~nix_compat.nar.dump`: :func:`dump_path`, the NAR of a file system tree;
- :mod:`~nix_compat.nar.reader`: :class:`NarReader`, a strict, streaming event reader;
- :mod:`~nix_compat.nar.restore`: :func:`restore`, a NAR safely unpacked on disk;
- :mod:`~nix_compat.nar.hashing`: NAR hash and size while streaming;
- :mod:`~nix_compat.nar.listing`: ``.ls`` listings and ``nix nar ls``;
- :mod:`~nix_compat.nar.cat`: one file out of a NAR.
"""

from nix_compat.nar.cat import cat, cat_listed
from nix_compat.nar.dump import dump_path
from nix_compat.nar.format import MAGIC, display_path, parse_path
from nix_compat.nar.hashing import HashingReader, HashingSink, NarDigest, hash_nar, hash_path
from nix_compat.nar.listing import (
    ListedDirectory,
    ListedFile,
    ListedNode,
    ListedSymlink,
    dumps_listing,
    dumps_node,
    list_nar,
    lookup,
    ls_lines,
    parse_listing,
)
from nix_compat.nar.nodes import Directory, Node, Regular, Symlink, nar_bytes, read_node, write_node
from nix_compat.nar.reader import (
    DirectoryEnd,
    DirectoryStart,
    FileEvent,
    NarEvent,
    NarReader,
    Readable,
    SymlinkEvent,
)
from nix_compat.nar.restore import restore
from nix_compat.nar.writer import NarWriter, Sink

__all__ = [
    "MAGIC",
    "Directory",
    "DirectoryEnd",
    "DirectoryStart",
    "FileEvent",
    "HashingReader",
    "HashingSink",
    "ListedDirectory",
    "ListedFile",
    "ListedNode",
    "ListedSymlink",
    "NarDigest",
    "NarEvent",
    "NarReader",
    "NarWriter",
    "Node",
    "Readable",
    "Regular",
    "Sink",
    "Symlink",
    "SymlinkEvent",
    "cat",
    "cat_listed",
    "display_path",
    "dump_path",
    "dumps_listing",
    "dumps_node",
    "hash_nar",
    "hash_path",
    "list_nar",
    "lookup",
    "ls_lines",
    "nar_bytes",
    "parse_listing",
    "parse_path",
    "read_node",
    "restore",
    "write_node",
]
