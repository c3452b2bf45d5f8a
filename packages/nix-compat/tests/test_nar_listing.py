"""Listing NARs and reading one file out of them, as the reference does: the ``.ls`` files of
binary caches, ``nix nar ls`` (text and JSON) and ``nix nar cat``.
"""

from __future__ import annotations

import importlib
import io
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from nix_compat.errors import NarError
from nix_compat.nar import (
    ListedDirectory,
    ListedFile,
    ListedNode,
    cat,
    cat_listed,
    dumps_listing,
    dumps_node,
    list_nar,
    lookup,
    ls_lines,
    parse_listing,
)

trees = importlib.import_module("nar_trees")
XP = ("--extra-experimental-features", "nix-command")
UTF8 = trees.TreeSpec(utf8_only=True)


def nix(oracle: Any, *args: str | os.PathLike[str], check: bool = True) -> Any:
    return oracle.run("nix", *XP, *args, check=check)


def dump_tree(oracle: Any, tmp_path: Path, seed: int, spec: Any = None) -> Path:
    """A random tree's NAR, written by the reference, in a file."""
    source = trees.make_tree(tmp_path / "tree", seed, spec)
    nar = tmp_path / "tree.nar"
    nar.write_bytes(oracle.run("nix-store", "--dump", source).stdout)
    return nar


def listing_of(nar: Path) -> ListedNode:
    with open(nar, "rb") as stream:
        return list_nar(stream)


def all_paths(node: ListedNode, prefix: bytes = b"") -> list[tuple[bytes, ListedNode]]:
    found = [(prefix, node)]
    if isinstance(node, ListedDirectory):
        for name, child in node.entries.items():
            found.extend(all_paths(child, prefix + b"/" + name))
    return found


# -- .ls files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [400, 401])
def test_ls_file_is_the_one_nix_copy_writes(oracle: Any, tmp_path: Path, seed: int) -> None:
    source = trees.make_tree(tmp_path / "tree", seed, UTF8)
    store_path = oracle.out("nix-store", "--add", source)
    cache = tmp_path / "cache"
    nix(
        oracle,
        "copy",
        "--to",
        f"file://{cache}?write-nar-listing=true&compression=none",
        store_path,
    )
    base = os.path.basename(store_path).split("-", 1)[0]
    expected = (cache / f"{base}.ls").read_text()
    (nar,) = (cache / "nar").iterdir()
    listing = listing_of(nar)
    assert dumps_listing(listing) == expected
    # And read back, the .ls file is the same listing.
    assert parse_listing(expected) == listing


@pytest.mark.parametrize("seed", range(410, 416))
def test_json_of_every_node_matches_nix_nar_ls_json(oracle: Any, tmp_path: Path, seed: int) -> None:
    nar = dump_tree(oracle, tmp_path, seed, UTF8)
    expected = nix(oracle, "nar", "ls", "--json", "-R", nar, "/").stdout.decode()
    assert dumps_node(listing_of(nar)) == expected.rstrip("\n")


def test_json_refuses_names_that_are_not_utf8(oracle: Any, tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "fine").write_bytes(b"")
    with open(os.fsencode(root) + b"/bad\xffname", "wb"):
        pass
    nar = tmp_path / "tree.nar"
    nar.write_bytes(oracle.run("nix-store", "--dump", root).stdout)
    assert nix(oracle, "nar", "ls", "--json", "-R", nar, "/", check=False).returncode != 0
    with pytest.raises(NarError, match="not UTF-8") as raised:
        dumps_listing(listing_of(nar))
    assert raised.value.path == "/bad\\xffname"


def test_special_characters_are_escaped_as_the_reference_escapes_them(
    oracle: Any, tmp_path: Path
) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    for name in (b"a\nb", b"t\tx", b"c\x01d", b"del\x7f", b'q"uote', b"back\\slash", b"\x08\x0c"):
        with open(os.fsencode(root) + b"/" + name, "wb"):
            pass
    os.symlink(b"\xc3\xa9\r\n", os.fsencode(root) + b"/link")
    nar = tmp_path / "tree.nar"
    nar.write_bytes(oracle.run("nix-store", "--dump", root).stdout)
    expected = nix(oracle, "nar", "ls", "--json", "-R", nar, "/").stdout.decode()
    assert dumps_node(listing_of(nar)) == expected.rstrip("\n")


def test_listing_of_a_deep_tree_needs_no_recursion() -> None:
    depth = sys.getrecursionlimit() + 200
    listing = list_nar(io.BytesIO(trees.deep_nar(depth)))
    text = dumps_listing(listing)
    assert text.count('"type":"directory"') == depth + 1
    assert dumps_listing(parse_listing(text)) == text  # (== on the trees would recurse)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"version": 2, "root": {"type": "directory", "entries": {}}}',
        '{"version": 1, "root": {"type": "fifo"}}',
        '{"version": 1, "root": {"type": "regular", "size": -1, "narOffset": 0}}',
        '{"version": 1, "root": {"type": "directory", "entries": {"a": {"type": "regular"}}}}',
    ],
)
def test_malformed_listing_is_refused(text: str) -> None:
    with pytest.raises(NarError, match="listing"):
        parse_listing(text)


# -- nix nar ls ------------------------------------------------------------------------------------

LS_FLAGS: list[tuple[str, ...]] = [(), ("-R",), ("-l",), ("-lR",), ("-d",), ("-dR",), ("-ld",)]


def test_text_listing_matches_nix_nar_ls(oracle: Any, tmp_path: Path) -> None:
    nar = dump_tree(oracle, tmp_path, 420)
    listing = listing_of(nar)
    paths = [p for p, _ in all_paths(listing)]
    directory = next(p for p, n in all_paths(listing) if p and isinstance(n, ListedDirectory))
    chosen = [b"/", directory, *(p for p in paths if p and p != directory)][:5]
    for path in chosen:
        for flags in LS_FLAGS:
            long = "l" in "".join(flags)
            recursive = "R" in "".join(flags)
            only = "d" in "".join(flags)
            expected = nix(oracle, "nar", "ls", *flags, nar, os.fsdecode(path)).stdout
            ours = b"".join(
                line + b"\n"
                for line in ls_lines(listing, path, long=long, recursive=recursive, directory=only)
            )
            assert ours == expected, (path, flags)


@pytest.mark.parametrize("root", ["file", "symlink"])
def test_text_listing_of_a_root_that_is_not_a_directory(
    oracle: Any, tmp_path: Path, root: str
) -> None:
    node = trees.t_regular(b"abc", True) if root == "file" else trees.t_symlink("x")
    nar = tmp_path / "root.nar"
    nar.write_bytes(trees.MAGIC + node)
    for flags in (("-R",), ("-l",)):
        expected = nix(oracle, "nar", "ls", *flags, nar, "/").stdout
        lines = ls_lines(listing_of(nar), "/", long=flags == ("-l",), recursive=True)
        assert b"".join(line + b"\n" for line in lines) == expected


@pytest.mark.parametrize("path", ["/sub/../a", "//sub//f", "./a", "a/", "/sub/.", "/../a"])
def test_paths_are_resolved_as_the_reference_resolves_them(
    oracle: Any, tmp_path: Path, path: str
) -> None:
    nar = _small_nar(tmp_path)
    expected = nix(oracle, "nar", "ls", "-l", nar, path).stdout
    ours = b"".join(line + b"\n" for line in ls_lines(listing_of(nar), path, long=True))
    assert ours == expected


@pytest.mark.parametrize("path", ["/nope", "/a/b", "/link/f", "/sub/f/g"])
def test_missing_paths_are_refused_by_both(oracle: Any, tmp_path: Path, path: str) -> None:
    nar = _small_nar(tmp_path)
    assert nix(oracle, "nar", "ls", nar, path, check=False).returncode != 0
    with pytest.raises(NarError, match="does not exist"):
        lookup(listing_of(nar), path)


def _small_nar(tmp_path: Path) -> Path:
    t = trees
    nar = tmp_path / "small.nar"
    nar.write_bytes(
        t.MAGIC
        + t.t_directory(
            t.t_entry("a", t.t_regular(b"hello")),
            t.t_entry("link", t.t_symlink("sub")),
            t.t_entry("sub", t.t_directory(t.t_entry("f", t.t_regular(b"big" * 30000)))),
        )
    )
    return nar


# -- nix nar cat -----------------------------------------------------------------------------------


class Pipe:
    """A stream without seek."""

    def __init__(self, data: bytes) -> None:
        self.read = io.BytesIO(data).read


@pytest.mark.parametrize("seed", [430, 431])
def test_cat_of_every_file_matches_nix_nar_cat(oracle: Any, tmp_path: Path, seed: int) -> None:
    nar = dump_tree(oracle, tmp_path, seed)
    data = nar.read_bytes()
    listing = listing_of(nar)
    files = [p for p, n in all_paths(listing) if isinstance(n, ListedFile)][:6]
    for path in files:
        expected = nix(oracle, "nar", "cat", nar, os.fsdecode(path)).stdout
        assert b"".join(cat(io.BytesIO(data), path)) == expected
        assert b"".join(cat(Pipe(data), path, chunk_size=7)) == expected
        assert b"".join(cat_listed(io.BytesIO(data), listing, path)) == expected


@pytest.mark.parametrize(
    ("path", "message"),
    [("/sub", "not a regular file"), ("/link", "not a regular file"), ("/x", "does not exist")],
)
def test_cat_refuses_what_is_not_a_file_like_the_reference(
    oracle: Any, tmp_path: Path, path: str, message: str
) -> None:
    nar = _small_nar(tmp_path)
    assert nix(oracle, "nar", "cat", nar, path, check=False).returncode != 0
    with pytest.raises(NarError, match=message):
        b"".join(cat(io.BytesIO(nar.read_bytes()), path))
    with pytest.raises(NarError, match=message):
        b"".join(cat_listed(io.BytesIO(nar.read_bytes()), listing_of(nar), path))


def test_cat_seeks_over_contents_it_does_not_need(tmp_path: Path) -> None:
    t = trees
    big = b"\0" * (4 << 20)
    nar = t.MAGIC + t.t_directory(
        t.t_entry("a", t.t_regular(big)), t.t_entry("b", t.t_regular(b"wanted"))
    )

    class CountingReads(io.BytesIO):
        read_bytes = 0

        def read(self, size: int | None = -1, /) -> bytes:
            data = super().read(size)
            self.read_bytes += len(data)
            return data

    stream = CountingReads(nar)
    assert b"".join(cat(stream, "/b")) == b"wanted"
    assert stream.read_bytes < (4 << 20) / 8  # some read-ahead, but not the contents


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ('{"type": "symlink", "target": "\\ud800"}', "not UTF-8"),
        (
            '{"type": "directory", "entries": {"\\udc80": {"type": "symlink", "target": "a"}}}',
            "not UTF-8",
        ),
        (
            '{"type": "directory", "entries": {"": {"type": "symlink", "target": "a"}}}',
            "empty entry name",
        ),
        (
            '{"type": "directory", "entries": {"..": {"type": "symlink", "target": "a"}}}',
            "not allowed",
        ),
        (
            '{"type": "directory", "entries": {"a/b": {"type": "symlink", "target": "a"}}}',
            "contains '/'",
        ),
        (
            '{"type": "directory", "entries": {"a\\u0000": {"type": "symlink", "target": "a"}}}',
            "NUL",
        ),
        ('{"type": "symlink", "target": ""}', "empty symlink target"),
        ('{"type": "regular", "size": 1, "narOffset": 9223372036854775808}', "narOffset"),
        ('{"type": "regular", "size": 18446744073709551616, "narOffset": 0}', "size"),
    ],
)
def test_listing_holds_what_a_nar_may_hold(node: str, message: str) -> None:
    """Found by fuzzing: lone surrogates (JSON can spell them) raised UnicodeEncodeError, and
    names a NAR cannot hold ('', '..', 'a/b') or offsets past any file were taken."""
    with pytest.raises(NarError, match=message):
        parse_listing('{"version": 1, "root": ' + node + "}")


def test_cat_listed_at_an_offset_past_what_the_stream_can_seek() -> None:
    listing = ListedFile(size=1, executable=False, nar_offset=(1 << 63) - 1)
    source = io.BytesIO(b"x" * 100)
    source.seek(10)
    with pytest.raises(NarError, match="narOffset"):
        b"".join(cat_listed(source, listing, "/"))


def test_a_number_of_thousands_of_digits_is_an_invalid_size_not_a_crash() -> None:
    """Python's int() refuses over 4300 digits: the listing says which number is wrong."""
    text = '{"version": 1, "root": {"type": "regular", "size": ' + "9" * 5000 + ', "narOffset": 0}}'
    with pytest.raises(NarError, match="no valid 'size'"):
        parse_listing(text)
