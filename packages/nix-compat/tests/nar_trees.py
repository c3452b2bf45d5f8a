"""Helpers for the NAR tests: random trees on disk, tree snapshots, hand-made NAR tokens.

The tokens here are written from the NAR grammar itself (not with our writer), so that tests
can build the malformed NARs our writer refuses to produce. Test modules load this file by
path (tests folders are not packages).
"""

from __future__ import annotations

import os
import random
import stat
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# -- NAR tokens, from the grammar --------------------------------------------------------------


def tok(data: bytes | str) -> bytes:
    """One NAR string: u64 little-endian length, bytes, zero padding to 8."""
    raw = data.encode() if isinstance(data, str) else data
    return struct.pack("<Q", len(raw)) + raw + bytes(-len(raw) & 7)


MAGIC = tok("nix-archive-1")


def t_regular(contents: bytes = b"", executable: bool = False) -> bytes:
    marker = tok("executable") + tok("") if executable else b""
    return (
        tok("(")
        + tok("type")
        + tok("regular")
        + marker
        + tok("contents")
        + tok(contents)
        + tok(")")
    )


def t_symlink(target: bytes | str) -> bytes:
    return tok("(") + tok("type") + tok("symlink") + tok("target") + tok(target) + tok(")")


def t_entry(name: bytes | str, node: bytes) -> bytes:
    return tok("entry") + tok("(") + tok("name") + tok(name) + tok("node") + node + tok(")")


def t_directory(*entries: bytes) -> bytes:
    return tok("(") + tok("type") + tok("directory") + b"".join(entries) + tok(")")


# -- random trees ------------------------------------------------------------------------------

#: Legal but awkward names: spaces, control characters, quotes, UTF-8 of every width, and
#: pairs that sort one way as bytes and the other as Python strings (U+FFEF against b"\xff",
#: which decodes to the surrogate U+DCFF).
ODD_NAMES: tuple[bytes, ...] = (
    b"a",
    b"B",
    b"Z",
    b"z",
    b"_",
    b"-",
    b"~tilde",
    b"with space",
    b" lead",
    b"trail ",
    b".hidden",
    b"..dots",
    b"a.b",
    b"new\nline",
    b"tab\tbed",
    b"back\\slash",
    b'q"uote',
    b"del\x7f",
    b"ctl\x01",
    "été".encode(),
    "日本語".encode(),
    "emoji😀".encode(),
    "\uffef".encode(),
    "\u00e9".encode(),
    "e\u0301".encode(),
)
NON_UTF8_NAMES: tuple[bytes, ...] = (b"\xff", b"\xfe\xff", b"lat\xe9n", b"\xc3")

FILE_SIZES = (0, 0, 1, 7, 8, 9, 15, 16, 17, 100, 4096, 65535, 65536, 70001)


@dataclass
class TreeSpec:
    """How a random tree is drawn."""

    max_depth: int = 4
    max_entries: int = 6
    utf8_only: bool = False


def make_tree(root: Path, seed: int, spec: TreeSpec | None = None) -> Path:
    """Create a random directory tree at ``root`` (which must not exist) and return it."""
    spec = spec or TreeSpec()
    rng = random.Random(seed)
    os.mkdir(root)
    _fill(os.fsencode(root), rng, spec, spec.max_depth)
    return root


def _fill(directory: bytes, rng: random.Random, spec: TreeSpec, depth: int) -> None:
    pool = list(ODD_NAMES if spec.utf8_only else ODD_NAMES + NON_UTF8_NAMES)
    count = rng.randint(0, spec.max_entries)
    names = set(rng.sample(pool, min(count, len(pool))))
    names.update(
        "".join(rng.choice("abcdefgxyzABC0123_.-") for _ in range(rng.randint(1, 12))).encode()
        for _ in range(rng.randint(0, 3))
    )
    names -= {b".", b".."}
    for name in names:
        path = directory + b"/" + name
        roll = rng.random()
        if roll < 0.45 or (depth == 0 and roll < 0.8):
            _make_file(path, rng)
        elif roll < 0.65:
            os.symlink(_symlink_target(rng, names), path)
        else:
            os.mkdir(path)
            if depth > 0:
                _fill(path, rng, spec, depth - 1)


def _make_file(path: bytes, rng: random.Random) -> None:
    size = rng.choice(FILE_SIZES)
    with open(path, "wb") as f:
        f.write(rng.randbytes(size))
    # Owner execute decides "executable"; the group/other bits alone do not.
    os.chmod(path, rng.choice((0o644, 0o755, 0o744, 0o611, 0o600, 0o700, 0o444)))


def _symlink_target(rng: random.Random, siblings: set[bytes]) -> bytes:
    choices = [
        b"/nonexistent/dangling",
        b"../up",
        b".",
        b"..",
        b"x" * 200,
        b"/",
        b"target with space",
        "ünïcode".encode(),
    ]
    choices.extend(siblings)
    return rng.choice(choices)


def make_deep_tree(root: Path, depth: int, name: bytes = b"d") -> bytes:
    """A chain of ``depth`` nested directories with a file and a symlink at the bottom."""
    path = os.fsencode(root)
    os.mkdir(path)
    for _ in range(depth):
        path += b"/" + name
        os.mkdir(path)
    with open(path + b"/leaf", "wb") as f:
        f.write(b"bottom")
    os.symlink(b"leaf", path + b"/link")
    return path


def deep_nar(depth: int, name: bytes = b"d") -> bytes:
    """The NAR of :func:`make_deep_tree`'s tree, from the grammar."""
    bottom = t_directory(t_entry("leaf", t_regular(b"bottom")), t_entry("link", t_symlink("leaf")))
    opening = tok("(") + tok("type") + tok("directory") + tok("entry") + tok("(") + tok("name")
    opening += tok(name) + tok("node")
    return MAGIC + opening * depth + bottom + (tok(")") + tok(")")) * depth


def remove_tree(path: Path | str | bytes) -> None:
    """Delete a tree of any depth (pytest's own clean-up recurses, and deep trees break it)."""
    subprocess.run(["rm", "-rf", "--", os.fsdecode(path)], check=True)


# -- comparing trees -----------------------------------------------------------------------------


def snapshot(root: Path | str | bytes) -> dict[bytes, tuple[object, ...]]:
    """Everything Nix preserves about a tree (and the permission bits restore sets)."""
    base = os.fsencode(root)
    found: dict[bytes, tuple[object, ...]] = {}
    stack = [b""]
    while stack:
        relative = stack.pop()
        path = base + (b"/" + relative if relative else b"")
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            found[relative] = ("symlink", os.readlink(path))
        elif stat.S_ISDIR(st.st_mode):
            found[relative] = ("directory", stat.S_IMODE(st.st_mode))
            stack.extend(relative + b"/" + n if relative else n for n in os.listdir(path))
        elif stat.S_ISREG(st.st_mode):
            with open(path, "rb") as f:
                found[relative] = ("regular", stat.S_IMODE(st.st_mode), f.read())
        else:
            found[relative] = ("other", st.st_mode)
    return found


# -- running our command -----------------------------------------------------------------------


def run_cli(
    *args: str | os.PathLike[str], input: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run ``nix-compat`` in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "nix_compat", *map(os.fspath, args)],
        input=input,
        capture_output=True,
        check=False,
    )


def assert_clean_error(result: subprocess.CompletedProcess[bytes], *needles: str) -> str:
    """The command failed with one ``error:`` line naming ``needles``, and no traceback."""
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 1, stderr
    assert "Traceback" not in stderr, stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    for needle in needles:
        assert needle in stderr, stderr
    return stderr


# -- malformed NARs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Corrupt:
    """A malformed NAR and what the error must say: words, byte offset, entry path."""

    nar: bytes
    message: str
    offset: int
    path: str = "/"
    #: Whether ``nix-store --restore`` rejects it too (C++ Nix ignores data after a NAR, and
    #: cuts symlink targets at a NUL).
    reference_rejects: bool = True


def _at(prefix: bytes, bad: bytes, suffix: bytes, message: str, path: str = "/") -> Corrupt:
    """The error is at the first byte of ``bad``."""
    return Corrupt(prefix + bad + suffix, message, len(prefix), path)


_DIR = tok("(") + tok("type") + tok("directory")
_ENTRY_TO_NAME = tok("entry") + tok("(") + tok("name")
_FILE_X = t_regular(b"x")


def _ends(nar: bytes) -> Corrupt:
    """A NAR cut short: the error is at its end."""
    return Corrupt(nar, "ends early", len(nar))


def _bad_name(name: bytes, message: str) -> Corrupt:
    return _at(
        MAGIC + _DIR + _ENTRY_TO_NAME, tok(name), tok("node") + _FILE_X + tok(")") * 2, message
    )


def _padding(prefix: bytes, token: bytes, suffix: bytes, message: str) -> Corrupt:
    """``token`` with its last padding byte set; the error is at its padding's first byte."""
    length = int.from_bytes(token[:8], "little")
    broken = token[:-1] + b"\x01"
    return Corrupt(prefix + broken + suffix, message, len(prefix) + 8 + length)


CORRUPT: dict[str, Corrupt] = {
    "empty input": Corrupt(b"", "not a NAR", 0),
    "wrong magic": _at(b"", tok("nix-archive-2"), _FILE_X, "not a NAR"),
    "magic only": _ends(MAGIC),
    "unknown node type": _at(
        MAGIC + tok("(") + tok("type"), tok("fifo"), tok(")"), "unknown node type 'fifo'"
    ),
    "misspelt tag": _at(
        MAGIC + tok("("),
        tok("tipe"),
        tok("regular") + tok("contents") + tok("") + tok(")"),
        "expected 'type', found 'tipe'",
    ),
    "unknown tag in directory": _at(
        MAGIC + _DIR, tok("foo"), tok(")"), "expected tag 'entry' or ')', found 'foo'"
    ),
    "entries out of order": _at(
        MAGIC + _DIR + t_entry("b", _FILE_X) + _ENTRY_TO_NAME,
        tok("a"),
        tok("node") + _FILE_X + tok(")") * 2,
        "out of order: 'a' after 'b'",
    ),
    "duplicate entry": _at(
        MAGIC + _DIR + t_entry("a", _FILE_X) + _ENTRY_TO_NAME,
        tok("a"),
        tok("node") + _FILE_X + tok(")") * 2,
        "duplicate entry 'a'",
    ),
    "error path in a subdirectory": _at(
        MAGIC
        + _DIR
        + tok("entry")
        + tok("(")
        + tok("name")
        + tok("sub")
        + tok("node")
        + _DIR
        + t_entry("b", _FILE_X)
        + _ENTRY_TO_NAME,
        tok("a"),
        tok("node") + _FILE_X + tok(")") * 4,
        "out of order",
        "/sub",
    ),
    "empty name": _bad_name(b"", "empty entry name"),
    "name with slash": _bad_name(b"a/b", "contains '/'"),
    "name with NUL": _bad_name(b"a\0b", "NUL"),
    "name dot": _bad_name(b".", "not allowed"),
    "name dot dot": _bad_name(b"..", "not allowed"),
    "name too long": _at(
        MAGIC + _DIR + _ENTRY_TO_NAME, (1 << 62).to_bytes(8, "little"), b"", "longer than"
    ),
    "missing name": _at(
        MAGIC + _DIR + tok("entry") + tok("("),
        tok("node"),
        _FILE_X + tok(")") * 2,
        "expected 'name', found 'node'",
    ),
    "non-zero padding after contents": Corrupt(
        MAGIC
        + tok("(")
        + tok("type")
        + tok("regular")
        + tok("contents")
        + tok(b"x")[:-7]
        + b"\0\0\0\0\0\0\x01"
        + tok(")"),
        "non-zero padding after file contents",
        len(MAGIC + tok("(") + tok("type") + tok("regular") + tok("contents")) + 9,
    ),
    "non-zero padding in a tag": _padding(
        MAGIC + tok("("),
        tok("type"),
        tok("regular") + tok("contents") + tok("") + tok(")"),
        "non-zero padding after 'type'",
    ),
    "non-zero padding in a node type": _padding(
        MAGIC + tok("(") + tok("type"),
        tok("regular"),
        tok("contents") + tok("") + tok(")"),
        "non-zero padding after 'regular'",
    ),
    "non-zero padding in a name": _padding(
        MAGIC + _DIR + _ENTRY_TO_NAME,
        tok("name"),
        tok("node") + _FILE_X + tok(")") * 2,
        "non-zero padding after entry name",
    ),
    "non-zero padding in a target": _padding(
        MAGIC + tok("(") + tok("type") + tok("symlink") + tok("target"),
        tok("abc"),
        tok(")"),
        "non-zero padding after symlink target",
    ),
    "executable marker not empty": _at(
        MAGIC + tok("(") + tok("type") + tok("regular") + tok("executable"),
        tok("x"),
        tok("contents") + tok("") + tok(")"),
        "expected ''",
    ),
    "executable after contents": _at(
        MAGIC + tok("(") + tok("type") + tok("regular") + tok("contents") + tok("x"),
        tok("executable"),
        tok("") + tok(")"),
        "expected ')', found 'executable'",
    ),
    "no contents": _at(
        MAGIC + tok("(") + tok("type") + tok("regular"),
        tok(")"),
        b"",
        "expected tag 'executable' or 'contents', found ')'",
    ),
    "contents longer than the NAR": _ends(
        MAGIC
        + tok("(")
        + tok("type")
        + tok("regular")
        + tok("contents")
        + (1 << 40).to_bytes(8, "little")
        + b"only a little" * 10000
    ),
    "empty symlink target": _at(
        MAGIC + tok("(") + tok("type") + tok("symlink") + tok("target"),
        tok(""),
        tok(")"),
        "empty symlink target",
    ),
    # C++ Nix creates a symlink to what precedes the NUL: the NAR does not say that.
    "symlink target with NUL": Corrupt(
        MAGIC + tok("(") + tok("type") + tok("symlink") + tok("target") + tok("a\0b") + tok(")"),
        "NUL",
        len(MAGIC + tok("(") + tok("type") + tok("symlink") + tok("target")),
        reference_rejects=False,
    ),
    "unclosed directory": _ends(MAGIC + _DIR + t_entry("a", _FILE_X)),
    "trailing data": Corrupt(
        MAGIC + _FILE_X + b"garbage!", "trailing data", len(MAGIC + _FILE_X), "/", False
    ),
}
