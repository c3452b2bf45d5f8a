"""Reading NARs: every NAR the reference writes is read back faithfully, in a stream, and every
malformed one is refused with one NarError that gives the byte offset and the entry path.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from nix_compat.errors import NarError
from nix_compat.nar import (
    DirectoryEnd,
    DirectoryStart,
    FileEvent,
    HashingReader,
    NarReader,
    SymlinkEvent,
    hash_nar,
    nar_bytes,
    read_node,
)
from nix_compat.nar.format import MAX_PATH_LEN

trees = importlib.import_module("nar_trees")


class Trickle:
    """A non-seekable stream that returns at most ``step`` bytes a read, as pipes may."""

    def __init__(self, data: bytes, step: int = 3) -> None:
        self._data = io.BytesIO(data)
        self._step = step

    def read(self, size: int = -1, /) -> bytes:
        return self._data.read(self._step if size < 0 else min(size, self._step))


def reference_nar(oracle: Any, path: Path) -> bytes:
    return bytes(oracle.run("nix-store", "--dump", path).stdout)


def events(source: Any) -> list[tuple[object, ...]]:
    """The events of a NAR as plain tuples, file contents read in small chunks."""
    out: list[tuple[object, ...]] = []
    for event in NarReader(source):
        if isinstance(event, FileEvent):
            contents = b"".join(event.chunks(5))
            out.append(("file", event.path, event.executable, event.contents_offset, contents))
        elif isinstance(event, SymlinkEvent):
            out.append(("symlink", event.path, event.target))
        elif isinstance(event, DirectoryStart):
            out.append(("start", event.path))
        else:
            out.append(("end", event.path))
    return out


# -- what the reference writes, read back ---------------------------------------------------


@pytest.mark.parametrize("seed", range(100, 108))
def test_reference_nar_reads_back_to_the_same_bytes(oracle: Any, tmp_path: Path, seed: int) -> None:
    nar = reference_nar(oracle, trees.make_tree(tmp_path / "tree", seed))
    assert nar_bytes(read_node(nar)) == nar
    # The nix-hash of the tree is the hash of the NAR the reader validated.
    assert hash_nar(io.BytesIO(nar), "sha256").hash.to_base16() == oracle.out(
        "nix-hash", "--type", "sha256", tmp_path / "tree"
    )


@pytest.mark.parametrize("seed", range(200, 204))
def test_events_are_the_same_from_seekable_and_trickling_streams(
    oracle: Any, tmp_path: Path, seed: int
) -> None:
    nar = reference_nar(oracle, trees.make_tree(tmp_path / "tree", seed))
    listed = events(io.BytesIO(nar))
    assert events(Trickle(nar)) == listed
    for kind, *rest in listed:
        if kind == "file":
            # contents_offset points at the contents inside the NAR.
            offset, contents = rest[2], rest[3]
            assert isinstance(offset, int) and isinstance(contents, bytes)
            assert nar[offset : offset + len(contents)] == contents


def test_events_of_a_small_tree_in_order() -> None:
    t = trees
    nar = t.MAGIC + t.t_directory(
        t.t_entry("a", t.t_regular(b"hello", executable=True)),
        t.t_entry("b", t.t_directory(t.t_entry("c", t.t_symlink("../a")))),
        t.t_entry("d", t.t_directory()),
    )
    assert events(io.BytesIO(nar)) == [
        ("start", b""),
        ("file", b"a", True, nar.index(b"hello"), b"hello"),
        ("start", b"b"),
        ("symlink", b"b/c", b"../a"),
        ("end", b"b"),
        ("start", b"d"),
        ("end", b"d"),
        ("end", b""),
    ]


# -- streaming ----------------------------------------------------------------------------------


def _two_files() -> bytes:
    t = trees
    return t.MAGIC + t.t_directory(
        t.t_entry("a", t.t_regular(b"A" * 100_000)), t.t_entry("b", t.t_regular(b"b" * 13))
    )


@pytest.mark.parametrize("stream", [io.BytesIO, Trickle])
def test_unread_and_half_read_contents_are_skipped(stream: Any) -> None:
    reader = NarReader(stream(_two_files()))
    assert isinstance(next(reader), DirectoryStart)
    first = next(reader)
    assert isinstance(first, FileEvent) and first.size == 100_000
    assert first.read(10) == b"A" * 10
    second = next(reader)
    assert isinstance(second, FileEvent)
    assert second.read() == b"b" * 13
    assert second.read() == b""
    with pytest.raises(NarError, match="moved past the file"):
        first.read(1)
    assert [type(e) for e in reader] == [DirectoryEnd]


def test_reader_stops_at_the_end_of_an_embedded_nar() -> None:
    nar = _two_files()
    stream = io.BytesIO(nar + b"the rest of the protocol")
    reader = NarReader(stream, expect_eof=False)
    assert len(list(reader)) == 4
    assert reader.offset == len(nar)
    assert stream.read() == b"the rest of the protocol"


def test_hashing_reader_sees_every_byte_even_of_skipped_contents() -> None:
    nar = _two_files()
    hashing = HashingReader(io.BytesIO(nar), "sha512")
    for _ in NarReader(hashing):
        pass
    digest = hashing.digest()
    assert digest.size == len(nar)
    assert digest.hash.digest == hashlib.sha512(nar).digest()


def test_nesting_deeper_than_python_recursion() -> None:
    depth = sys.getrecursionlimit() + 500
    kinds = [type(e) for e in NarReader(io.BytesIO(trees.deep_nar(depth)))]
    assert kinds.count(DirectoryStart) == depth + 1
    assert kinds.count(DirectoryEnd) == depth + 1


def test_paths_longer_than_a_file_system_allows_are_refused() -> None:
    deepest_allowed = (MAX_PATH_LEN - len("leaf")) // 2  # "d/d/.../d/leaf"
    assert len(list(NarReader(io.BytesIO(trees.deep_nar(deepest_allowed))))) > 0
    with pytest.raises(NarError, match="longer than") as raised:
        list(NarReader(io.BytesIO(trees.deep_nar(deepest_allowed + 1))))
    assert raised.value.path is not None and len(raised.value.path) > MAX_PATH_LEN


# -- malformed NARs -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(trees.CORRUPT))
@pytest.mark.parametrize("stream", [io.BytesIO, Trickle])
def test_malformed_nar_is_refused_with_offset_and_path(case: str, stream: Any) -> None:
    corrupt = trees.CORRUPT[case]
    with pytest.raises(NarError) as raised:
        for event in NarReader(stream(corrupt.nar)):
            if isinstance(event, FileEvent):
                event.read()
    assert corrupt.message in str(raised.value)
    assert (raised.value.offset, raised.value.path) == (corrupt.offset, corrupt.path)


@pytest.mark.parametrize(
    "case", sorted(name for name, c in trees.CORRUPT.items() if c.reference_rejects)
)
def test_reference_refuses_the_malformed_nars_too(oracle: Any, tmp_path: Path, case: str) -> None:
    result = oracle.run(
        "nix-store", "--restore", tmp_path / "out", input=trees.CORRUPT[case].nar, check=False
    )
    assert result.returncode != 0


@pytest.mark.parametrize(
    "case", sorted(name for name, c in trees.CORRUPT.items() if not c.reference_rejects)
)
def test_where_we_are_stricter_than_the_reference(oracle: Any, tmp_path: Path, case: str) -> None:
    corrupt = trees.CORRUPT[case]
    result = oracle.run("nix-store", "--restore", tmp_path / "out", input=corrupt.nar)
    assert result.returncode == 0
    with pytest.raises(NarError, match=corrupt.message):
        list(NarReader(io.BytesIO(corrupt.nar)))


def _sample_nar() -> bytes:
    t = trees
    return t.MAGIC + t.t_directory(
        t.t_entry("bin", t.t_directory(t.t_entry("sh", t.t_regular(b"#!\n", executable=True)))),
        t.t_entry("empty", t.t_directory()),
        t.t_entry("lib", t.t_symlink("bin")),
        t.t_entry("z", t.t_regular(b"0123456789")),
    )


def test_every_truncation_is_refused() -> None:
    nar = _sample_nar()
    for cut in range(len(nar)):
        with pytest.raises(NarError) as raised:
            list(NarReader(io.BytesIO(nar[:cut])))
        message = str(raised.value)
        assert "ends early" in message or "not a NAR" in message, (cut, message)
        assert raised.value.offset is not None and raised.value.offset <= cut


def test_every_corrupted_byte_is_refused_or_harmless() -> None:
    # Flipping a byte of contents, a name or a target may leave a valid NAR; flipping any
    # other byte must be refused. Whatever is accepted is canonical: it writes back to the
    # very same bytes. Nothing but NarError (no IndexError, MemoryError, hang) comes out.
    nar = _sample_nar()
    harmless: set[int] = set()
    for text in (b"#!\n", b"0123456789", b"bin", b"sh", b"empty", b"lib", b"z\0"):
        start = nar.find(text)
        while start >= 0:
            harmless.update(range(start, start + len(text.rstrip(b"\0"))))
            start = nar.find(text, start + 1)
    for position in range(len(nar)):
        corrupted = bytearray(nar)
        corrupted[position] ^= 0x5A
        try:
            node = read_node(bytes(corrupted))
        except NarError:
            continue
        assert position in harmless, position
        assert nar_bytes(node) == corrupted


@pytest.mark.parametrize("size", [1 << 40, 1 << 63, (1 << 64) - 1])
def test_huge_contents_length_on_a_short_stream_ends_early(tmp_path: Path, size: int) -> None:
    """Found by fuzzing: the length of a file's contents went to the stream's read() whole, which
    raised OverflowError (BytesIO) or tried to allocate it (buffered files and pipes)."""
    t = trees
    head = t.MAGIC + t.tok("(") + t.tok("type") + t.tok("regular") + t.tok("contents")
    nar = head + size.to_bytes(8, "little") + b"only this much"
    (tmp_path / "x.nar").write_bytes(nar)
    read_fd, write_fd = os.pipe()
    os.write(write_fd, nar)
    os.close(write_fd)
    with open(tmp_path / "x.nar", "rb") as file, open(read_fd, "rb") as pipe:
        for source in (io.BytesIO(nar), file, pipe):
            with pytest.raises(NarError, match="NAR ends early") as e:
                read_node(source)
            assert e.value.offset == len(nar)
