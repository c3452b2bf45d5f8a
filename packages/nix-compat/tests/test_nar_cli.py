"""The ``nix-compat nar`` and ``nix-compat hash path/file`` commands against the reference:
``nix-store --dump/--restore``, ``nix nar ls/cat`` and ``nix-hash``; and their errors, which
are one line and never a traceback.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from nix_compat.cli import main

trees = importlib.import_module("nar_trees")
XP = ("--extra-experimental-features", "nix-command")


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trees.make_tree(tmp_path_factory.mktemp("cli") / "tree", 500)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def nar(oracle: Any, tree: Path) -> Path:
    path = tree.parent / "tree.nar"
    path.write_bytes(oracle.run("nix-store", "--dump", tree).stdout)
    return path


def run(capsysbinary: Any, *args: str | os.PathLike[str]) -> bytes:
    """Run the command in this process and return its stdout (it must succeed)."""
    assert main([os.fspath(a) for a in args]) == 0
    out: bytes = capsysbinary.readouterr().out
    return out


# -- nar ------------------------------------------------------------------------------------------


def test_dump_writes_what_nix_store_dump_writes(oracle: Any, tree: Path, nar: Path) -> None:
    result = trees.run_cli("nar", "dump", tree)
    assert result.returncode == 0, result.stderr
    assert result.stdout == nar.read_bytes()


def test_restore_unpacks_what_nix_store_restore_unpacks(
    oracle: Any, nar: Path, tmp_path: Path
) -> None:
    result = trees.run_cli("nar", "restore", tmp_path / "ours", input=nar.read_bytes())
    assert result.returncode == 0, result.stderr
    oracle.run("nix-store", "--restore", tmp_path / "theirs", input=nar.read_bytes())
    assert trees.snapshot(tmp_path / "ours") == trees.snapshot(tmp_path / "theirs")


def test_ls_is_nix_nar_ls_recursive(oracle: Any, nar: Path, capsysbinary: Any) -> None:
    expected = oracle.run("nix", *XP, "nar", "ls", "-R", nar, "/").stdout
    assert run(capsysbinary, "nar", "ls", nar) == expected
    expected = oracle.run("nix", *XP, "nar", "ls", "-lR", nar, "/").stdout
    assert run(capsysbinary, "nar", "ls", "-l", nar) == expected


def test_ls_reads_stdin(oracle: Any, nar: Path) -> None:
    expected = oracle.run("nix", *XP, "nar", "ls", "-R", nar, "/").stdout
    result = trees.run_cli("nar", "ls", "-", input=nar.read_bytes())
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


def test_ls_without_recursion_and_with_a_path(
    oracle: Any, capsysbinary: Any, tmp_path: Path
) -> None:
    t = trees
    small = tmp_path / "small.nar"
    small.write_bytes(
        t.MAGIC
        + t.t_directory(
            t.t_entry("a", t.t_regular(b"x", executable=True)),
            t.t_entry("sub", t.t_directory(t.t_entry("deeper", t.t_directory()))),
        )
    )
    for flags in (["-l"], [], ["-d"]):
        expected = oracle.run("nix", *XP, "nar", "ls", *flags, small, "/sub").stdout
        assert run(capsysbinary, "nar", "ls", "--no-recursive", *flags, small, "/sub") == expected


def test_ls_json_is_the_ls_file_of_binary_caches(
    oracle: Any, tmp_path: Path, capsysbinary: Any
) -> None:
    source = trees.make_tree(tmp_path / "tree", 501, trees.TreeSpec(utf8_only=True))
    store_path = oracle.out("nix-store", "--add", source)
    cache = tmp_path / "cache"
    url = f"file://{cache}?write-nar-listing=true&compression=none"
    oracle.run("nix", *XP, "copy", "--to", url, store_path)
    base = os.path.basename(store_path).split("-", 1)[0]
    (nar,) = (cache / "nar").iterdir()
    expected = (cache / f"{base}.ls").read_bytes() + b"\n"
    assert run(capsysbinary, "nar", "ls", "--json", nar) == expected


def test_cat_is_nix_nar_cat(oracle: Any, tmp_path: Path, capsysbinary: Any) -> None:
    t = trees
    small = tmp_path / "small.nar"
    small.write_bytes(
        t.MAGIC
        + t.t_directory(
            t.t_entry("a", t.t_regular(bytes(range(256)) * 500)),
            t.t_entry("b", t.t_directory(t.t_entry("c", t.t_regular(b"wanted\n")))),
        )
    )
    for path in ("/a", "/b/c", "b/../a"):
        expected = oracle.run("nix", *XP, "nar", "cat", small, path).stdout
        assert run(capsysbinary, "nar", "cat", small, path) == expected
    result = trees.run_cli("nar", "cat", "-", "/b/c", input=small.read_bytes())
    assert (result.returncode, result.stdout) == (0, b"wanted\n")


def _nar_broken_after_the_file() -> dict[str, bytes]:
    """NARs whose file ``/a`` is whole and well formed, but which go wrong after it."""
    t = trees
    good = t.MAGIC + t.t_directory(
        t.t_entry("a", t.t_regular(b"hello world\n")),
        t.t_entry("d", t.t_directory(t.t_entry("z", t.t_regular(b"zzz")))),
    )
    after = good.index(b"zzz") + 3
    return {
        "non-zero padding": good[:after] + b"\x01" + good[after + 1 :],
        "truncated": good[:after],
    }


@pytest.mark.parametrize("case", ["non-zero padding", "truncated"])
def test_cat_of_a_nar_corrupt_after_the_file_prints_nothing_and_fails(
    oracle: Any, tmp_path: Path, case: str
) -> None:
    """C++ Nix parses the whole NAR before printing: a NAR broken after the file gives no
    output and exit 1. From a file (validated by seeking) and from a pipe alike."""
    nar = tmp_path / "broken.nar"
    nar.write_bytes(_nar_broken_after_the_file()[case])
    reference = oracle.run("nix", *XP, "nar", "cat", nar, "/a", check=False)
    assert (reference.returncode, reference.stdout) == (1, b"")
    for result in (
        trees.run_cli("nar", "cat", nar, "/a"),
        trees.run_cli("nar", "cat", "-", "/a", input=nar.read_bytes()),
    ):
        trees.assert_clean_error(result)
        assert result.stdout == b""


def test_cat_of_an_intact_nar_from_a_pipe_and_a_file(tmp_path: Path) -> None:
    t = trees
    big = bytes(range(256)) * 8000  # past what is kept in memory, and past a seek's threshold
    data = t.MAGIC + t.t_directory(
        t.t_entry("a", t.t_regular(b"small")),
        t.t_entry("b", t.t_regular(big, executable=True)),
        t.t_entry("c", t.t_symlink("a")),
    )
    nar = tmp_path / "x.nar"
    nar.write_bytes(data)
    for path, expected in (("/a", b"small"), ("/b", big)):
        assert trees.run_cli("nar", "cat", nar, path).stdout == expected
        assert trees.run_cli("nar", "cat", "-", path, input=data).stdout == expected
    for source, stdin in ((nar, None), ("-", data)):
        trees.assert_clean_error(
            trees.run_cli("nar", "cat", source, "/c", input=stdin), "not a regular file"
        )
        trees.assert_clean_error(
            trees.run_cli("nar", "cat", source, "/a/x", input=stdin), "does not exist"
        )


def test_cat_reports_the_corruption_before_a_missing_path(oracle: Any, tmp_path: Path) -> None:
    """The NAR is checked before the path is looked up, so its error is the one reported."""
    nar = tmp_path / "broken.nar"
    nar.write_bytes(_nar_broken_after_the_file()["non-zero padding"])
    reference = oracle.run("nix", *XP, "nar", "cat", nar, "/nope", check=False)
    assert b"padding" in reference.stderr
    for source, stdin in ((nar, None), ("-", nar.read_bytes())):
        trees.assert_clean_error(
            trees.run_cli("nar", "cat", source, "/nope", input=stdin), "padding"
        )


def test_cat_refuses_data_after_the_nar_where_the_reference_ignores_it(
    oracle: Any, tmp_path: Path
) -> None:
    """A known difference, shared with ``nar ls`` and ``nar restore``: our reader wants the NAR
    to end where the stream does (one spelling, one hash); C++ Nix stops reading at its end."""
    t = trees
    nar = tmp_path / "trailing.nar"
    nar.write_bytes(t.MAGIC + t.t_regular(b"x") + b"garbage!")
    assert oracle.run("nix", *XP, "nar", "cat", nar, "/", check=False).returncode == 0
    result = trees.run_cli("nar", "cat", nar, "/")
    trees.assert_clean_error(result, "trailing data")
    assert result.stdout == b""


# -- hash path / hash file ----------------------------------------------------------------------

HASH_FLAGS: list[list[str]] = [
    [],
    ["--type", "sha256"],
    ["--type", "sha256", "--base16"],
    ["--type", "sha256", "--base32"],
    ["--type", "sha256", "--base64"],
    ["--type", "sha256", "--sri"],
    ["--type", "sha1", "--base32"],
    ["--type", "sha512", "--sri"],
    ["--type", "md5", "--base64"],
    ["--type", "sha256", "--truncate"],
    ["--type", "sha256", "--truncate", "--base32"],
    ["--type", "sha256", "--truncate", "--sri"],
    ["--type", "sha256", "--sri", "--base32"],  # the last format flag wins
]


@pytest.mark.parametrize("flags", HASH_FLAGS, ids=" ".join)
def test_hash_path_is_nix_hash(
    oracle: Any, tree: Path, capsysbinary: Any, flags: list[str]
) -> None:
    link = tree.parent / "link"
    if not link.is_symlink():
        link.symlink_to("tree")
    expected = oracle.run("nix-hash", *flags, tree, link).stdout
    assert run(capsysbinary, "hash", "path", *flags, tree, link) == expected


@pytest.mark.parametrize("flags", HASH_FLAGS, ids=" ".join)
def test_hash_file_is_nix_hash_flat(
    oracle: Any, tmp_path: Path, capsysbinary: Any, flags: list[str]
) -> None:
    files = []
    for size in (0, 5, 3 << 20):
        path = tmp_path / f"f{size}"
        path.write_bytes(os.urandom(size))
        files.append(path)
    (tmp_path / "link").symlink_to("f5")  # followed, as nix-hash --flat follows it
    files.append(tmp_path / "link")
    expected = oracle.run("nix-hash", "--flat", *flags, *files).stdout
    assert run(capsysbinary, "hash", "file", *flags, *files) == expected


# -- errors --------------------------------------------------------------------------------------


def test_dump_of_a_missing_path(tmp_path: Path) -> None:
    trees.assert_clean_error(trees.run_cli("nar", "dump", tmp_path / "nope"), str(tmp_path))


def test_dump_of_a_fifo(tmp_path: Path) -> None:
    (tmp_path / "tree").mkdir()
    os.mkfifo(tmp_path / "tree" / "pipe")
    result = trees.run_cli("nar", "dump", tmp_path / "tree")
    trees.assert_clean_error(result, "FIFO", str(tmp_path / "tree" / "pipe"))


def test_restore_to_an_existing_destination(nar: Path, tmp_path: Path) -> None:
    (tmp_path / "dest").mkdir()
    result = trees.run_cli("nar", "restore", tmp_path / "dest", input=nar.read_bytes())
    trees.assert_clean_error(result, "already exists")


@pytest.mark.parametrize("case", ["entries out of order", "non-zero padding after contents"])
def test_restore_of_a_malformed_nar(tmp_path: Path, case: str) -> None:
    corrupt = trees.CORRUPT[case]
    result = trees.run_cli("nar", "restore", tmp_path / "dest", input=corrupt.nar)
    trees.assert_clean_error(result, corrupt.message, f"at byte {corrupt.offset}")
    assert os.listdir(tmp_path) == []


def test_restore_of_a_truncated_nar(nar: Path, tmp_path: Path) -> None:
    data = nar.read_bytes()
    result = trees.run_cli("nar", "restore", tmp_path / "dest", input=data[: len(data) // 2])
    trees.assert_clean_error(result, "ends early", "at byte")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("action", [["ls"], ["ls", "--json"], ["cat", "/a"]])
def test_reading_a_malformed_nar(tmp_path: Path, action: list[str]) -> None:
    bad = tmp_path / "bad.nar"
    bad.write_bytes(trees.CORRUPT["duplicate entry"].nar)
    trees.assert_clean_error(trees.run_cli("nar", *action[:1], *action[1:2], bad, *action[2:]))


def test_reading_a_missing_nar(tmp_path: Path) -> None:
    trees.assert_clean_error(trees.run_cli("nar", "ls", tmp_path / "nope.nar"), "nope.nar")


def test_cat_of_a_missing_path(nar: Path) -> None:
    trees.assert_clean_error(trees.run_cli("nar", "cat", nar, "/no/such"), "does not exist")


def test_json_listing_of_names_that_are_not_utf8(tmp_path: Path) -> None:
    t = trees
    bad = tmp_path / "latin1.nar"
    bad.write_bytes(t.MAGIC + t.t_directory(t.t_entry(b"caf\xe9", t.t_regular(b""))))
    trees.assert_clean_error(trees.run_cli("nar", "ls", "--json", bad), "not UTF-8")


def test_hash_with_an_unknown_algorithm(tree: Path) -> None:
    result = trees.run_cli("hash", "path", "--type", "blake3", tree)
    trees.assert_clean_error(result, "blake3")


def test_hash_file_of_a_directory(tree: Path) -> None:
    trees.assert_clean_error(trees.run_cli("hash", "file", tree), str(tree))


def test_a_reader_that_goes_away_is_not_an_error_worth_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(os.urandom(4 << 20))
    process = subprocess.Popen(
        [sys.executable, "-m", "nix_compat", "nar", "dump", tmp_path],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(100)
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.wait()
    assert "Traceback" not in stderr and "Exception" not in stderr, stderr
