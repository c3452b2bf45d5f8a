"""The tokens of the NAR grammar and the limits every NAR reader and writer here enforces.

A NAR is a sequence of strings, each a little-endian u64 length, the bytes, and zero bytes up
to a multiple of 8. The grammar is:

    nar       = "nix-archive-1" node
    node      = "(" "type" ( regular | symlink | directory ) ")"
    regular   = "regular" [ "executable" "" ] "contents" <bytes>
    symlink   = "symlink" "target" <target>
    directory = "directory" { "entry" "(" "name" <name> "node" node ")" }

with directory entries in strictly increasing byte order of their names. Only this canonical
form is accepted, so every NAR has exactly one spelling and its hash identifies its tree.

The limits are those no tree on a POSIX file system can exceed, so that a hostile NAR cannot
make a reader hold unbounded names or paths in memory: C++ Nix itself cannot dump or restore a
tree past them (it uses absolute paths, which stop at PATH_MAX).
"""

from __future__ import annotations

import struct
from typing import Final

__all__ = [
    "CHUNK_SIZE",
    "MAGIC",
    "MAX_NAME_LEN",
    "MAX_PATH_LEN",
    "MAX_TARGET_LEN",
    "display_path",
    "encode_string",
    "invalid_name_reason",
    "invalid_target_reason",
    "join_path",
    "padding_len",
    "parse_path",
    "quote_bytes",
]

#: Size of the pieces file contents are read and written in: large enough that per-call costs
#: vanish, small enough not to matter in memory.
CHUNK_SIZE: Final = 1 << 20
#: The longest entry name accepted (file systems stop at 255 bytes; leave room for others).
MAX_NAME_LEN: Final = 1024
#: The longest symlink target accepted (Linux's PATH_MAX less the terminating NUL).
MAX_TARGET_LEN: Final = 4095
#: The longest path of an entry below the root, names joined by "/".
MAX_PATH_LEN: Final = 4095

_U64: Final = struct.Struct("<Q")


def padding_len(length: int) -> int:
    """Zero bytes that follow a string of ``length`` bytes to reach a multiple of 8."""
    return -length & 7


def encode_string(data: bytes) -> bytes:
    """One NAR string: length, bytes, zero padding."""
    return _U64.pack(len(data)) + data + bytes(padding_len(len(data)))


#: The first string of every NAR.
MAGIC: Final = encode_string(b"nix-archive-1")


def invalid_name_reason(name: bytes) -> str | None:
    """Why ``name`` cannot be a directory entry, or None when it can.

    Names that are empty, ``.``, ``..``, or contain ``/`` or NUL would let a restore escape
    its destination or could not exist in a directory at all.
    """
    if not name:
        return "empty entry name"
    if name in (b".", b".."):
        return f"entry name {name.decode()!r} is not allowed"
    if b"/" in name:
        return f"entry name {quote_bytes(name)} contains '/'"
    if b"\0" in name:
        return f"entry name {quote_bytes(name)} contains a NUL byte"
    if len(name) > MAX_NAME_LEN:
        return f"entry name is {len(name)} bytes, longer than {MAX_NAME_LEN}"
    return None


def invalid_target_reason(target: bytes) -> str | None:
    """Why ``target`` cannot be a symlink target, or None when it can (POSIX forbids these)."""
    if not target:
        return "empty symlink target"
    if b"\0" in target:
        return f"symlink target {quote_bytes(target)} contains a NUL byte"
    if len(target) > MAX_TARGET_LEN:
        return f"symlink target is {len(target)} bytes, longer than {MAX_TARGET_LEN}"
    return None


def join_path(parent: bytes, name: bytes) -> bytes:
    """The path of entry ``name`` in the directory at ``parent`` (the root is ``b""``)."""
    return parent + b"/" + name if parent else name


def parse_path(path: str | bytes) -> bytes:
    """An entry path as a user writes it (``/a/./b//c/../d``) in the form events carry (``a/b/d``).

    Resolved as C++ Nix's ``CanonPath`` does: empty and ``.`` components vanish, and ``..``
    removes the component before it (the root has no parent, so it stays the root).
    """
    raw = path.encode("utf-8", "surrogateescape") if isinstance(path, str) else path
    components: list[bytes] = []
    for component in raw.split(b"/"):
        if component == b"..":
            if components:
                components.pop()
        elif component not in (b"", b"."):
            components.append(component)
    return b"/".join(components)


def display_path(path: bytes) -> str:
    """An entry path as errors and listings show it: ``/`` for the root, else ``/a/b``."""
    return "/" + path.decode("utf-8", "backslashreplace")


def quote_bytes(data: bytes) -> str:
    """Bytes quoted for a message, undecodable bytes escaped (names need not be UTF-8)."""
    return repr(data.decode("utf-8", "backslashreplace"))
