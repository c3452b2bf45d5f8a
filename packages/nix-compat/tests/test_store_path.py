"""Store paths: name rules and path computation, each checked against the reference."""

from __future__ import annotations

import os

import pytest
from nix_compat.errors import StorePathError
from nix_compat.hash import NixHash
from nix_compat.store_path import (
    StorePath,
    check_name,
    make_fixed_output_path,
    make_source_path,
    make_text_path,
)

NAMES = [
    ".",
    "..",
    ".-foo",
    "..-foo",
    "...",
    ".foo",
    "-foo",
    "a b",
    "?=+_",
    "a/b",
    "é",
    "x" * 211,
    "x" * 212,
    "",
    "foo-1.2.3",
    "a\nb",
    "..foo",
    ".--",
]


def to_file_expr(name: str, content: str) -> str:
    return f"builtins.toFile {nix_string(name)} {nix_string(content)}"


def nix_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return '"' + escaped.replace("\n", "\\n") + '"'


@pytest.mark.parametrize("name", NAMES)
def test_name_rules_agree_with_the_reference(oracle, name: str) -> None:
    ref = oracle.run("nix-instantiate", "--eval", "-E", to_file_expr(name, "x"), check=False)
    if ref.returncode == 0:
        check_name(name)
        path = ref.stdout.decode().strip().strip('"')
        assert StorePath.from_absolute_path(path).name == name
    else:
        assert b"toFile" in ref.stderr
        with pytest.raises(StorePathError):
            check_name(name)


def test_text_paths_equal_the_reference(oracle) -> None:
    expr = """let a = builtins.toFile "a" "first"; b = builtins.toFile "b" "second";
      in [ a b (builtins.toFile "c" "refs ${a} ${b}") (builtins.toFile "d" "${b}${a}") ]"""
    paths = oracle.out("nix-instantiate", "--eval", "--strict", "-E", expr)
    a, b, c, d = (p.strip('"') for p in paths.strip("[] ").split())
    sa, sb = StorePath.from_absolute_path(a), StorePath.from_absolute_path(b)
    assert make_text_path("a", NixHash.of_bytes("sha256", b"first")) == sa
    assert make_text_path("b", NixHash.of_bytes("sha256", b"second")) == sb
    content_c = f"refs {a} {b}".encode()
    assert (
        make_text_path("c", NixHash.of_bytes("sha256", content_c), [sb, sa]).to_absolute_path() == c
    )
    content_d = f"{b}{a}".encode()
    assert (
        make_text_path("d", NixHash.of_bytes("sha256", content_d), [sa, sb]).to_absolute_path() == d
    )


@pytest.mark.parametrize("algo", ["md5", "sha1", "sha256", "sha512"])
def test_flat_fixed_output_paths_equal_the_reference(oracle, tmp_path, algo: str) -> None:
    (tmp_path / "file.txt").write_bytes(f"flat content {algo}\n".encode())
    expected = oracle.out("nix-store", "--add-fixed", algo, tmp_path / "file.txt")
    content = NixHash.of_bytes(algo, (tmp_path / "file.txt").read_bytes())
    assert (
        make_fixed_output_path("file.txt", content, recursive=False).to_absolute_path() == expected
    )


@pytest.mark.parametrize("algo", ["md5", "sha1", "sha256", "sha512"])
def test_recursive_fixed_output_paths_equal_the_reference(oracle, tmp_path, algo: str) -> None:
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "x").write_text(algo)
    os.symlink("sub/x", tree / "link")
    expected = oracle.out("nix-store", "--add-fixed", "--recursive", algo, tree)
    nar_hash = NixHash.parse(oracle.out("nix-hash", "--type", algo, tree), algo)
    assert make_fixed_output_path("tree", nar_hash, recursive=True).to_absolute_path() == expected


def test_source_paths_equal_the_reference(oracle, tmp_path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.c").write_text("int main() {}\n")
    expected = oracle.out("nix-store", "--add", tmp_path / "src")
    nar_hash = NixHash.parse(oracle.out("nix-hash", "--type", "sha256", tmp_path / "src"), "sha256")
    assert make_source_path("src", nar_hash).to_absolute_path() == expected


def test_parse_and_render_round_trip() -> None:
    text = "/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo"
    path = StorePath.from_absolute_path(text)
    assert path.name == "foo" and path.hash_part == "vxjiwkjkn7x4079qvh1jkl5pn05j2aw0"
    assert path.to_absolute_path() == text
    assert path.to_absolute_path("/tmp/store") == "/tmp/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo"
    assert StorePath.from_absolute_path_prefix(text + "/bin/x") == (path, "/bin/x")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0", "not a store path base name"),
        ("/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-", "not a store path base name"),
        ("/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aeu-foo", "invalid hash part"),
        ("/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo/bin", "below one"),
        ("/other/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo", "not in the Nix store"),
        ("/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-fo o", "illegal character ' '"),
    ],
)
def test_malformed_store_paths_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(StorePathError, match=message):
        StorePath.from_absolute_path(text)


def test_a_different_store_dir_changes_the_path(oracle) -> None:
    content = NixHash.of_bytes("sha256", b"x")
    default = make_text_path("n", content)
    other = make_text_path("n", content, store_dir="/tmp/store")
    assert default != other
