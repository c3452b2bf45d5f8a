"""Writing NARs: our dump of a tree is, byte for byte, what ``nix-store --dump`` writes.

Random trees (odd names, non-UTF-8 names, every file size around the 8-byte padding, modes
with and without the owner's execute bit, dangling symlinks, empty directories), deep trees,
roots of every type, and nodes built in memory are all compared with the reference's dump.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import socket
import stat
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from nix_compat.errors import NarError
from nix_compat.nar import (
    Directory,
    NarWriter,
    Node,
    Regular,
    Symlink,
    dump_path,
    hash_path,
    nar_bytes,
    restore,
)
from nix_compat.nar.format import MAX_PATH_LEN

trees = importlib.import_module("nar_trees")
MiB = 1 << 20


def our_dump(path: Path | bytes) -> bytes:
    out = io.BytesIO()
    size = dump_path(path, out.write)
    assert size == len(out.getvalue())
    return out.getvalue()


def reference_dump(oracle: Any, path: Path | bytes) -> bytes:
    return bytes(oracle.run("nix-store", "--dump", os.fsdecode(path)).stdout)


# -- file system trees ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_random_tree_dumps_to_the_reference_bytes(oracle: Any, tmp_path: Path, seed: int) -> None:
    root = trees.make_tree(tmp_path / "tree", seed)
    assert our_dump(root) == reference_dump(oracle, root)


def test_names_that_sort_differently_as_bytes_and_as_str(oracle: Any, tmp_path: Path) -> None:
    root = tmp_path / "names"
    root.mkdir()
    for name in trees.ODD_NAMES + trees.NON_UTF8_NAMES:
        with open(os.fsencode(root) + b"/" + name, "wb") as f:
            f.write(name)
    # Byte order puts U+FFEF (EF BF AF) before 0xFF; Python's str order, after surrogateescape,
    # would not: the dump must use byte order, as C++ Nix's std::map<std::string> does.
    assert sorted([b"\xff", "\uffef".encode()]) == ["\uffef".encode(), b"\xff"]
    assert sorted([os.fsdecode(b"\xff"), "\uffef"]) == [os.fsdecode(b"\xff"), "\uffef"]
    assert our_dump(root) == reference_dump(oracle, root)


def test_deep_nesting(oracle: Any, tmp_path: Path) -> None:
    trees.make_deep_tree(tmp_path / "deep", 100)
    assert our_dump(tmp_path / "deep") == reference_dump(oracle, tmp_path / "deep")


def test_nesting_deeper_than_python_recursion(tmp_path: Path) -> None:
    # The reference takes minutes on a tree this deep, so the expected NAR is spelled out
    # from the grammar instead.
    depth = sys.getrecursionlimit() + 200
    trees.make_deep_tree(tmp_path / "deeper", depth, b"x")
    try:
        assert our_dump(tmp_path / "deeper") == trees.deep_nar(depth, b"x")
    finally:
        trees.remove_tree(tmp_path / "deeper")


def _root_empty_directory(path: Path) -> None:
    path.mkdir()


def _root_empty_file(path: Path) -> None:
    path.write_bytes(b"")


def _root_executable(path: Path) -> None:
    path.write_bytes(b"#!/bin/sh\necho hi\n")
    path.chmod(0o755)


def _root_owner_executable_only(path: Path) -> None:
    path.write_bytes(b"12345678")
    path.chmod(0o700)


def _root_others_executable_only(path: Path) -> None:
    path.write_bytes(b"123456789")
    path.chmod(0o611)


def _root_symlink(path: Path) -> None:
    path.symlink_to("somewhere/else")


def _root_dangling_absolute_symlink(path: Path) -> None:
    path.symlink_to("/nonexistent/at/all")


def _root_symlink_to_directory(path: Path) -> None:
    (path.parent / "real").mkdir()
    (path.parent / "real" / "f").write_bytes(b"not to be followed")
    path.symlink_to("real")


ROOTS = {
    f.__name__.removeprefix("_root_"): f
    for f in (
        _root_empty_directory,
        _root_empty_file,
        _root_executable,
        _root_owner_executable_only,
        _root_others_executable_only,
        _root_symlink,
        _root_dangling_absolute_symlink,
        _root_symlink_to_directory,
    )
}


@pytest.mark.parametrize("kind", sorted(ROOTS))
def test_root_of_every_kind(oracle: Any, tmp_path: Path, kind: str) -> None:
    root = tmp_path / "root"
    ROOTS[kind](root)
    assert our_dump(root) == reference_dump(oracle, root)


def test_path_with_trailing_slash_names_the_symlink_itself(oracle: Any, tmp_path: Path) -> None:
    _root_symlink_to_directory(tmp_path / "link")
    with_slash = os.fsencode(tmp_path / "link") + b"/"
    assert our_dump(with_slash) == reference_dump(oracle, with_slash)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(os.fspath(path))


def _char_device(path: Path) -> None:
    try:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs privileges this machine does not give")


@pytest.mark.parametrize(
    ("make", "what"), [(_fifo, "FIFO"), (_socket, "socket"), (_char_device, "character device")]
)
def test_special_files_are_refused_with_their_path(
    oracle: Any, tmp_path: Path, make: Any, what: str
) -> None:
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "a").write_bytes(b"fine")
    special = root / "sub" / "special"
    make(special)
    with pytest.raises(NarError) as raised:
        our_dump(root)
    assert what in str(raised.value)
    assert raised.value.path == os.fspath(special)
    assert oracle.run("nix-store", "--dump", root, check=False).returncode != 0


def test_missing_path_is_an_os_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as raised:
        our_dump(tmp_path / "nope")
    assert raised.value.filename == os.fspath(tmp_path / "nope")


# -- nodes built in memory -------------------------------------------------------------------------


def _materialise(node: Node, path: bytes) -> None:
    if isinstance(node, Regular):
        with open(path, "wb") as f:
            f.write(node.contents)
        os.chmod(path, 0o755 if node.executable else 0o644)
    elif isinstance(node, Symlink):
        os.symlink(node.target, path)
    else:
        os.mkdir(path)
        for name, child in node.entries.items():
            _materialise(child, path + b"/" + name)


NODES: dict[str, Node] = {
    "file": Regular(b"hello"),
    "executable": Regular(b"#!/bin/sh\n", executable=True),
    "symlink": Symlink(b"/dangling"),
    "empty directory": Directory(),
    # Entries given out of order: the writer sorts them by bytes.
    "tree": Directory(
        {
            b"z": Regular(b"last"),
            "é".encode(): Directory({b"deep": Directory({b"er": Symlink(b"../..")})}),
            b"A": Regular(bytes(range(256)) * 3, executable=True),
            b"\xff": Directory(),
            b"a b": Symlink("ü".encode()),
        }
    ),
}


@pytest.mark.parametrize("name", sorted(NODES))
def test_nodes_write_the_nar_of_the_same_tree_on_disk(
    oracle: Any, tmp_path: Path, name: str
) -> None:
    path = os.fsencode(tmp_path / "node")
    _materialise(NODES[name], path)
    assert nar_bytes(NODES[name]) == reference_dump(oracle, path)


def test_writer_streams_chunks_with_a_declared_size(oracle: Any, tmp_path: Path) -> None:
    chunks = [os.urandom(n) for n in (1, 0, 4096, 3, 70000)]
    (tmp_path / "f").write_bytes(b"".join(chunks))
    out = io.BytesIO()
    writer = NarWriter(out.write)
    writer.regular(iter(chunks), size=sum(map(len, chunks)))
    writer.close()
    assert out.getvalue() == reference_dump(oracle, tmp_path / "f")


def test_writer_memory_does_not_grow_with_file_size() -> None:
    digest = hashlib.sha256()
    writer = NarWriter(digest.update)
    chunk = bytes(MiB)
    tracemalloc.start()
    try:
        writer.regular((chunk for _ in range(64)), size=64 * MiB)
        writer.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MiB


def _writer() -> NarWriter:
    return NarWriter(io.BytesIO().write)


def _out_of_order(w: NarWriter) -> None:
    with w.directory():
        w.entry(b"b")
        w.regular(b"")
        w.entry(b"a")


def _duplicate(w: NarWriter) -> None:
    with w.directory():
        w.entry(b"a")
        w.regular(b"")
        w.entry(b"a")


def _bad_name(name: bytes) -> Any:
    def run(w: NarWriter) -> None:
        w.directory_start()
        w.entry(name)

    return run


def _short_contents(w: NarWriter) -> None:
    w.regular(iter([b"abc"]), size=4)


def _long_contents(w: NarWriter) -> None:
    w.regular(iter([b"abc", b"de"]), size=4)


def _chunks_without_size(w: NarWriter) -> None:
    w.regular(iter([b"abc"]))


def _bytes_with_wrong_size(w: NarWriter) -> None:
    w.regular(b"abc", size=2)


def _entry_at_root(w: NarWriter) -> None:
    w.entry(b"a")


def _two_roots(w: NarWriter) -> None:
    w.regular(b"")
    w.regular(b"")


def _node_without_entry(w: NarWriter) -> None:
    w.directory_start()
    w.regular(b"")


def _incomplete(w: NarWriter) -> None:
    w.directory_start()
    w.close()


def _nothing(w: NarWriter) -> None:
    w.close()


def _end_without_directory(w: NarWriter) -> None:
    w.regular(b"")
    w.directory_end()


def _empty_target(w: NarWriter) -> None:
    w.symlink(b"")


def _nul_target(w: NarWriter) -> None:
    w.symlink(b"a\0b")


def _path_too_long(w: NarWriter) -> None:
    for _ in range(MAX_PATH_LEN // 2 + 2):
        w.directory_start()
        w.entry(b"d")


WRITER_MISUSES = {
    "out of order": (_out_of_order, "out of order"),
    "duplicate": (_duplicate, "duplicate"),
    "empty name": (_bad_name(b""), "empty"),
    "dot": (_bad_name(b"."), "not allowed"),
    "dot dot": (_bad_name(b".."), "not allowed"),
    "slash": (_bad_name(b"a/b"), "'/'"),
    "nul": (_bad_name(b"a\0b"), "NUL"),
    "short contents": (_short_contents, "not the announced"),
    "long contents": (_long_contents, "exceed"),
    "chunks without size": (_chunks_without_size, "need a size"),
    "bytes with wrong size": (_bytes_with_wrong_size, "not the announced"),
    "entry at root": (_entry_at_root, "outside an open directory"),
    "two roots": (_two_roots, "complete"),
    "node without entry": (_node_without_entry, r"call entry\(\) first"),
    "incomplete": (_incomplete, "incomplete"),
    "nothing": (_nothing, "incomplete"),
    "end without directory": (_end_without_directory, "outside an open directory"),
    "empty target": (_empty_target, "empty symlink target"),
    "nul target": (_nul_target, "NUL"),
    "path too long": (_path_too_long, "longer than"),
}


@pytest.mark.parametrize("case", sorted(WRITER_MISUSES))
def test_writer_refuses_what_would_not_be_a_canonical_nar(case: str) -> None:
    misuse, message = WRITER_MISUSES[case]
    with pytest.raises(NarError, match=message):
        misuse(_writer())


# -- a large file ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_large_file_dumps_and_restores_in_bounded_memory(oracle: Any, tmp_path: Path) -> None:
    size = 256 * MiB + 5  # odd, so the contents need padding
    path = tmp_path / "big" / "file"
    path.parent.mkdir()
    expected_contents = hashlib.sha256()
    block = os.urandom(MiB)
    with open(path, "wb") as f:
        for i in range(size // MiB):
            piece = i.to_bytes(8, "little") + block[8:]
            expected_contents.update(piece)
            f.write(piece)
        f.write(block[: size % MiB])
        expected_contents.update(block[: size % MiB])
    path.chmod(0o755)

    # The reference's NAR, streamed through a hash.
    reference = subprocess.Popen(
        oracle.command("nix-store", "--dump", path.parent), stdout=subprocess.PIPE
    )
    assert reference.stdout is not None
    reference_hash = hashlib.sha256()
    reference_size = 0
    while chunk := reference.stdout.read(MiB):
        reference_hash.update(chunk)
        reference_size += len(chunk)
    assert reference.wait() == 0

    tracemalloc.start()
    try:
        ours = hash_path(path.parent, "sha256")
        dump_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (ours.hash.digest, ours.size) == (reference_hash.digest(), reference_size)
    assert dump_peak < 8 * MiB

    # The reference's NAR, restored by us straight from its pipe.
    reference = subprocess.Popen(
        oracle.command("nix-store", "--dump", path.parent), stdout=subprocess.PIPE
    )
    assert reference.stdout is not None
    tracemalloc.start()
    try:
        restore(reference.stdout, tmp_path / "restored")
        restore_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert reference.wait() == 0
    assert restore_peak < 8 * MiB
    restored = tmp_path / "restored" / "file"
    assert os.stat(restored).st_mode & 0o111 == 0o111
    restored_contents = hashlib.sha256()
    with open(restored, "rb") as f:
        while chunk := f.read(MiB):
            restored_contents.update(chunk)
    assert restored_contents.digest() == expected_contents.digest()


def test_a_file_written_piece_by_piece_is_the_same_nar() -> None:
    whole: list[bytes] = []
    at_once = NarWriter(whole.append)
    at_once.regular(b"hello world", executable=True)
    at_once.close()
    pieces: list[bytes] = []
    writer = NarWriter(pieces.append)
    writer.regular_start(11, executable=True)
    writer.contents(b"hello ")
    writer.contents(b"world")
    writer.regular_end()
    writer.close()
    assert b"".join(pieces) == b"".join(whole)


def test_pieces_must_add_up_to_the_announced_size() -> None:
    writer = NarWriter(lambda _: None)
    writer.regular_start(3)
    with pytest.raises(NarError, match="exceed the announced 3"):
        writer.contents(b"abcd")
    short = NarWriter(lambda _: None)
    short.regular_start(3)
    short.contents(b"ab")
    with pytest.raises(NarError, match="2 bytes, not the announced 3"):
        short.regular_end()
    with pytest.raises(NarError, match="outside a regular file"):
        NarWriter(lambda _: None).contents(b"x")
