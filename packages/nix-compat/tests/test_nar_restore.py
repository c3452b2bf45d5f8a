"""Restoring NARs: the tree we unpack is the one ``nix-store --restore`` unpacks, and a NAR that
is malformed, truncated or hostile leaves nothing behind and writes nothing outside.
"""

from __future__ import annotations

import importlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from nix_compat.errors import NarError, NarRestoreError
from nix_compat.nar import restore

trees = importlib.import_module("nar_trees")
t = trees


def reference_restore(oracle: Any, nar: bytes, dest: Path) -> None:
    oracle.run("nix-store", "--restore", dest, input=nar)


def assert_same_as_reference(oracle: Any, nar: bytes, tmp_path: Path) -> None:
    restore(io.BytesIO(nar), tmp_path / "ours")
    reference_restore(oracle, nar, tmp_path / "theirs")
    assert trees.snapshot(tmp_path / "ours") == trees.snapshot(tmp_path / "theirs")


@pytest.mark.parametrize("seed", range(300, 310))
def test_random_tree_restores_as_the_reference_does(oracle: Any, tmp_path: Path, seed: int) -> None:
    source = trees.make_tree(tmp_path / "source", seed)
    nar = bytes(oracle.run("nix-store", "--dump", source).stdout)
    assert_same_as_reference(oracle, nar, tmp_path)


ROOTS = {
    "empty directory": t.t_directory(),
    "empty file": t.t_regular(b""),
    "executable": t.t_regular(b"#!/bin/sh\n", executable=True),
    "symlink": t.t_symlink("target"),
    "dangling absolute symlink": t.t_symlink("/nonexistent/x"),
    "symlink out of the destination": t.t_symlink("../../../etc/passwd"),
}


@pytest.mark.parametrize("kind", sorted(ROOTS))
def test_root_of_every_kind(oracle: Any, tmp_path: Path, kind: str) -> None:
    assert_same_as_reference(oracle, t.MAGIC + ROOTS[kind], tmp_path)


def test_deep_nesting(oracle: Any, tmp_path: Path) -> None:
    assert_same_as_reference(oracle, trees.deep_nar(100), tmp_path)


def test_nesting_deeper_than_python_recursion(tmp_path: Path) -> None:
    depth = sys.getrecursionlimit() + 200
    try:
        restore(io.BytesIO(trees.deep_nar(depth)), tmp_path / "ours")
        trees.make_deep_tree(tmp_path / "expected", depth)
        assert trees.snapshot(tmp_path / "ours") == trees.snapshot(tmp_path / "expected")
    finally:
        trees.remove_tree(tmp_path / "ours")
        trees.remove_tree(tmp_path / "expected")


# -- refusals ----------------------------------------------------------------------------------


def _existing_directory(path: Path) -> None:
    path.mkdir()
    (path / "keep").write_bytes(b"mine")


def _existing_empty_directory(path: Path) -> None:
    path.mkdir()


def _existing_file(path: Path) -> None:
    path.write_bytes(b"mine")


def _existing_dangling_symlink(path: Path) -> None:
    path.symlink_to("/nonexistent")


EXISTING = {
    f.__name__.removeprefix("_existing_"): f
    for f in (
        _existing_directory,
        _existing_empty_directory,
        _existing_file,
        _existing_dangling_symlink,
    )
}


@pytest.mark.parametrize("existing", sorted(EXISTING))
@pytest.mark.parametrize("root", ["empty directory", "empty file", "symlink"])
def test_existing_destination_is_refused_and_untouched(
    tmp_path: Path, existing: str, root: str
) -> None:
    dest = tmp_path / "dest"
    EXISTING[existing](dest)
    before = trees.snapshot(tmp_path)
    with pytest.raises(NarRestoreError, match="already exists"):
        restore(io.BytesIO(t.MAGIC + ROOTS[root]), dest)
    assert trees.snapshot(tmp_path) == before


def test_missing_parent_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NarRestoreError, match="cannot open"):
        restore(io.BytesIO(t.MAGIC + t.t_directory()), tmp_path / "no" / "dest")


@pytest.mark.parametrize("case", sorted(trees.CORRUPT))
def test_malformed_nar_leaves_nothing_behind(tmp_path: Path, case: str) -> None:
    corrupt = trees.CORRUPT[case]
    (tmp_path / "parent").mkdir()
    with pytest.raises(NarError) as raised:
        restore(io.BytesIO(corrupt.nar), tmp_path / "parent" / "dest")
    assert corrupt.message in str(raised.value)
    assert os.listdir(tmp_path / "parent") == []


def _sample_nar() -> bytes:
    return t.MAGIC + t.t_directory(
        t.t_entry("a", t.t_regular(b"x" * 100, executable=True)),
        t.t_entry("b", t.t_directory(t.t_entry("c", t.t_symlink("../a")))),
        t.t_entry("d", t.t_directory(t.t_entry("e", t.t_directory()))),
    )


def test_truncation_anywhere_leaves_nothing_behind(tmp_path: Path) -> None:
    # Every fifth cut (the reader's own tests try every one), with tokens and contents cut
    # at each alignment in turn.
    nar = _sample_nar()
    for cut in range(0, len(nar), 5):
        with pytest.raises(NarError):
            restore(io.BytesIO(nar[:cut]), tmp_path / "dest")
        assert os.listdir(tmp_path) == [], cut


def test_failure_deep_in_a_deep_tree_leaves_nothing_behind(tmp_path: Path) -> None:
    nar = trees.deep_nar(sys.getrecursionlimit() + 200)
    with pytest.raises(NarError, match="ends early"):
        restore(io.BytesIO(nar[: len(nar) - 100]), tmp_path / "dest")
    assert os.listdir(tmp_path) == []


def test_file_system_refusal_names_the_entry_and_leaves_nothing(tmp_path: Path) -> None:
    # Legal in a NAR, too long for the file system (NAME_MAX is 255 bytes).
    long_name = "n" * 300
    nar = t.MAGIC + t.t_directory(
        t.t_entry("a", t.t_regular(b"first")), t.t_entry(long_name, t.t_regular(b""))
    )
    with pytest.raises(NarRestoreError) as raised:
        restore(io.BytesIO(nar), tmp_path / "dest")
    assert raised.value.path == "/" + long_name
    assert os.listdir(tmp_path) == []


# -- hostile NARs ----------------------------------------------------------------------------------


def test_symlink_then_directory_of_the_same_name_cannot_write_through_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    nar = t.MAGIC + t.t_directory(
        t.t_entry("a", t.t_symlink(os.fspath(outside))),
        t.t_entry("a", t.t_directory(t.t_entry("planted", t.t_regular(b"gotcha")))),
    )
    (tmp_path / "parent").mkdir()
    with pytest.raises(NarError, match="duplicate"):
        restore(io.BytesIO(nar), tmp_path / "parent" / "dest")
    assert os.listdir(outside) == []
    assert os.listdir(tmp_path / "parent") == []


@pytest.mark.parametrize("name", [b"..", b"../escape", b"/etc/escape", b"."])
def test_names_that_would_escape_are_refused(tmp_path: Path, name: bytes) -> None:
    nar = t.MAGIC + t.t_directory(t.t_entry(name, t.t_regular(b"gotcha")))
    (tmp_path / "parent").mkdir()
    with pytest.raises(NarError):
        restore(io.BytesIO(nar), tmp_path / "parent" / "dest")
    assert sorted(os.listdir(tmp_path)) == ["parent"]
    assert os.listdir(tmp_path / "parent") == []


def test_symlinks_inside_are_never_followed(oracle: Any, tmp_path: Path) -> None:
    # A symlink to a directory outside, then files named like what lies beyond it.
    outside = tmp_path / "outside"
    outside.mkdir()
    nar = t.MAGIC + t.t_directory(
        t.t_entry("link", t.t_symlink(os.fspath(outside))),
        t.t_entry("link2", t.t_directory(t.t_entry("file", t.t_regular(b"inside")))),
    )
    assert_same_as_reference(oracle, nar, tmp_path)
    assert os.listdir(outside) == []


# -- interrupted by a signal ---------------------------------------------------------------------


@pytest.mark.parametrize("signo", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_signal_during_restore_leaves_nothing_behind(tmp_path: Path, signo: int) -> None:
    """Killed half way (the NAR stops coming), the command removes its staging folder and exits
    with 128 + the signal's number, as a shell reports a command the signal ended."""
    t = trees
    whole = t.MAGIC + t.t_directory(
        t.t_entry("a", t.t_regular(b"first file")),
        t.t_entry("b", t.t_directory(t.t_entry("c", t.t_regular(b"x" * 400_000)))),
    )
    # Into the contents of the last file, past what the reader reads ahead (64 KiB).
    part = whole[: whole.index(b"x" * 1000) + 200_000]
    dest = tmp_path / "dest"
    process = subprocess.Popen(
        [sys.executable, "-m", "nix_compat", "nar", "restore", str(dest)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stderr is not None
    try:
        process.stdin.write(part)
        process.stdin.flush()
        # Wait until the restore is under way: its staging folder holds the first file.
        deadline = time.monotonic() + 20
        while not list(tmp_path.glob(".dest.nar-restore-*/root/a")):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the restore never started"
            time.sleep(0.01)
        process.send_signal(signo)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdin.close()
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert code == 128 + signo, stderr
    assert "Traceback" not in stderr, stderr
    assert os.listdir(tmp_path) == []


def _big_file_nar(tmp_path: Path) -> bytes:
    """A NAR with a file larger than the reader's read-ahead, so that the kernel copies
    most of it."""
    from nix_compat.nar import dump_path

    source = tmp_path / "big-source"
    source.mkdir()
    (source / "big").write_bytes(os.urandom(3 * 1024 * 1024 + 11))
    (source / "small").write_bytes(b"small\n")
    out: list[bytes] = []
    dump_path(source, out.append)
    return b"".join(out)


@pytest.mark.parametrize("how", ["file", "buffered file", "pipe", "bytes"])
def test_restore_from_files_and_pipes_copies_contents_exactly(tmp_path: Path, how: str) -> None:
    nar = _big_file_nar(tmp_path)
    (tmp_path / "nar").write_bytes(nar)
    dest = tmp_path / "dest"
    if how == "pipe":
        read_end, write_end = os.pipe()
        writer = subprocess.Popen(["cat", str(tmp_path / "nar")], stdout=write_end)
        os.close(write_end)
        with io.FileIO(read_end, "rb") as source:
            restore(source, dest)
        writer.wait()
    elif how == "bytes":
        restore(io.BytesIO(nar), dest)
    else:
        opener = io.FileIO if how == "file" else open
        with opener(tmp_path / "nar", "rb") as source:  # type: ignore[operator]
            restore(source, dest)
    assert (dest / "big").read_bytes() == (tmp_path / "big-source" / "big").read_bytes()
    assert (dest / "small").read_bytes() == b"small\n"


@pytest.mark.parametrize("cut", [1000, 2 * 1024 * 1024, -9])
def test_a_nar_cut_inside_a_kernel_copied_file_leaves_nothing(tmp_path: Path, cut: int) -> None:
    nar = _big_file_nar(tmp_path)
    (tmp_path / "nar").write_bytes(nar[: cut % len(nar)])
    with io.FileIO(tmp_path / "nar", "rb") as source, pytest.raises(NarError, match="ends early"):
        restore(source, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big-source", "nar"]
