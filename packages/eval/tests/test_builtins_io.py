"""Builtins that read files and the environment, and those about path names, against the
reference, on a folder of fixtures (regular, non-UTF-8, empty, symlinks, a dangling one, a
FIFO, subfolders): values, symlink handling, refusals and their traces; also hashFile and
hashString, convertHash."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

H = importlib.import_module("builtins_harness")


def _fixtures(folder: Path) -> None:
    (folder / "a.txt").write_bytes(b"hello\n")
    (folder / "bin").write_bytes(b"\xff\xfe\x00x")
    (folder / "nonutf8").write_bytes(b"\xff\xfe\x80")
    (folder / "empty").write_bytes(b"")
    (folder / "sub").mkdir()
    (folder / "sub" / "x").write_bytes(b"x")
    (folder / "sub" / "y.nix").write_bytes(b"1 + 1")
    (folder / "emptydir").mkdir()
    (folder / "link").symlink_to("a.txt")
    (folder / "dirlink").symlink_to("sub")
    (folder / "dangling").symlink_to("nowhere")
    os.mkfifo(folder / "fifo")


VALUES = [
    "builtins.pathExists {dir}/a.txt",
    "builtins.pathExists {dir}/nope",
    'builtins.pathExists "{dir}/a.txt"',
    'builtins.pathExists "{dir}/dangling"',
    "builtins.pathExists {dir}/dangling",
    'builtins.pathExists "{dir}/a.txt/"',
    'builtins.pathExists "{dir}/sub/"',
    'builtins.pathExists "{dir}/sub/."',
    'builtins.pathExists "{dir}/a.txt/."',
    'builtins.pathExists "{dir}/dirlink/"',
    'builtins.pathExists "{dir}/sub/../a.txt"',
    'builtins.pathExists "{dir}//sub//x"',
    "builtins.pathExists {dir}/fifo",
    'builtins.pathExists { outPath = "{dir}/a.txt"; }',
    "builtins.readFile {dir}/a.txt",
    'builtins.readFile "{dir}/a.txt"',
    "builtins.readFile {dir}/empty",
    "builtins.stringLength (builtins.readFile {dir}/nonutf8)",
    "builtins.readFile {dir}/link",
    "builtins.readFile {dir}/sub/../a.txt",
    "builtins.readDir {dir}",
    'builtins.readDir "{dir}"',
    "builtins.readDir {dir}/sub",
    "builtins.readDir {dir}/emptydir",
    "builtins.readDir {dir}/dirlink",
    "builtins.readFileType {dir}/a.txt",
    "builtins.readFileType {dir}/sub",
    "builtins.readFileType {dir}/link",
    "builtins.readFileType {dir}/dangling",
    "builtins.readFileType {dir}/fifo",
    "builtins.readFileType /.",
    'builtins.toPath "/a/b/../c"',
    "builtins.toPath { __toString = s: /a/b; }",
    'builtins.toPath { __toString = s: "/a/./b"; }',
    "builtins.readFile { __toString = s: {dir}/a.txt; }",
    'builtins.toPath "/a//b/./c/"',
    "builtins.toPath /a/b",
    'builtins.typeOf (builtins.toPath "/a")',
    'builtins.hashFile "sha256" {dir}/a.txt',
    'builtins.hashFile "md5" "{dir}/a.txt"',
    'builtins.hashFile "sha1" {dir}/bin',
    'builtins.hashFile "sha512" {dir}/empty',
    'builtins.hashString "sha256" "hello"',
    'builtins.hashString "md5" ""',
    'builtins.hashString "sha1" "é"',
    'builtins.hashString "sha512" "x"',
    'builtins.hashString "sha256" (builtins.readFile {dir}/nonutf8)',
    'builtins.convertHash { hash = "sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="; '
    'toHashFormat = "base16"; }',
    'builtins.convertHash { hash = "sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="; '
    'toHashFormat = "nix32"; }',
    'builtins.convertHash { hash = "sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="; '
    'toHashFormat = "base64"; }',
    'builtins.convertHash { hash = "sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="; '
    'toHashFormat = "sri"; extra = 1; }',
    "builtins.convertHash { hash = "
    '"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"; '
    'hashAlgo = "sha256"; toHashFormat = "sri"; }',
    "builtins.convertHash { hash = "
    '"sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"; '
    'toHashFormat = "nix32"; }',
    'builtins.convertHash { hash = "sha1:0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33"; '
    'toHashFormat = "sri"; }',
    'builtins.convertHash { hash = "md5-rL0Y20zC+Fzt72VPzMSk2A=="; toHashFormat = "nix32"; }',
    'builtins.convertHash { hash = "rL0Y20zC+Fzt72VPzMSk2A=="; hashAlgo = "md5"; '
    'toHashFormat = "base16"; }',
    'builtins.convertHash { hash = "1bp7cri8hplaz6hbz0v4f0nl44rl84q1sg25kgwqzipzd1mv89ic"; '
    'hashAlgo = "sha256"; toHashFormat = "sri"; }',
    'builtins.baseNameOf "/a/b/c"',
    '[ (builtins.baseNameOf "/a/b/c/") (builtins.baseNameOf "c") (builtins.baseNameOf "") ]',
    '[ (builtins.baseNameOf "/") (builtins.baseNameOf /a/b) (builtins.baseNameOf "a//") ]',
    '[ (builtins.baseNameOf "//") (builtins.baseNameOf "a/") (builtins.baseNameOf "/a//") ]',
    'builtins.baseNameOf { outPath = "/x/y"; }',
    '[ (builtins.dirOf "/a/b/c") (builtins.dirOf "/a/b/c/") (builtins.dirOf "c") ]',
    '[ (builtins.dirOf "") (builtins.dirOf "/") (builtins.dirOf "/a") (builtins.dirOf /a/b) ]',
    '[ (builtins.dirOf /a) (builtins.dirOf /.) (builtins.dirOf "a//b") (builtins.dirOf "//a") ]',
    '[ (builtins.dirOf "///a") (builtins.dirOf "a///b") (builtins.dirOf "/a//") ]',
    '[ (builtins.dirOf "//") (builtins.dirOf "///") (builtins.dirOf "a/./b") '
    '(builtins.dirOf "a/.") ]',
    '[ (builtins.dirOf "..") (builtins.dirOf "/..") (builtins.dirOf "//a//b") ]',
    '[ (baseNameOf "/x") (dirOf "/x/y") ]',
    'builtins.getEnv "NO_SUCH_VARIABLE_FOR_TVIX"',
]

FULL = [
    'builtins.pathExists "relative"',
    "builtins.pathExists 1",
    "builtins.pathExists [ ]",
    'builtins.pathExists (throw "x")',
    "builtins.readFile {dir}/nope",
    "builtins.readFile {dir}/sub",
    "builtins.readFile {dir}/bin",
    'builtins.hashString "sha256" (builtins.readFile {dir}/bin)',
    'builtins.readFile "rel"',
    "builtins.readFile 1",
    "builtins.readFile {dir}/dangling",
    "builtins.readDir {dir}/a.txt",
    "builtins.readDir {dir}/nope",
    "builtins.readDir 1",
    'builtins.readDir "rel"',
    "builtins.readDir {dir}/link",
    "builtins.readFileType {dir}/nope",
    'builtins.readFile (throw "x")',
    'builtins.readDir (throw "x")',
    'builtins.pathExists { __toString = s: "rel"; }',
    'builtins.hashFile "sha256" (throw "x")',
    'builtins.toPath (throw "x")',
    "builtins.readFileType 1",
    'builtins.toPath "rel"',
    "builtins.toPath [ ]",
    'builtins.toPath ""',
    'builtins.hashFile "sha3" {dir}/a.txt',
    'builtins.hashFile "sha256" {dir}/nope',
    "builtins.hashFile 1 {dir}/a.txt",
    'builtins.hashFile "sha256" 1',
    'builtins.hashString "blake3" "x"',
    "builtins.hashString 1 { }",
    'builtins.hashString "sha256" { }',
    'builtins.hashString "sha256" {dir}/a.txt',
    'builtins.tryEval (builtins.hashString "sha3" "x")',
    'builtins.convertHash { hash = "sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="; '
    'toHashFormat = "base32"; }',
    "builtins.convertHash { hash = "
    '"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"; '
    'toHashFormat = "sri"; }',
    "builtins.convertHash { hash = "
    '"sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"; '
    'hashAlgo = "sha1"; toHashFormat = "nix32"; }',
    'builtins.convertHash { hash = "sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="; '
    'toHashFormat = "foo"; }',
    'builtins.convertHash { hash = "sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="; }',
    'builtins.convertHash { toHashFormat = "sri"; }',
    'builtins.convertHash { hash = "abc"; hashAlgo = "sha256"; toHashFormat = "sri"; }',
    'builtins.convertHash { hash = "abc"; hashAlgo = "sha3"; toHashFormat = "sri"; }',
    'builtins.convertHash { hash = 1; toHashFormat = "sri"; }',
    "builtins.convertHash 1",
    'builtins.convertHash { hash = "sha256-AAAA"; toHashFormat = "sri"; }',
    'builtins.convertHash { hash = "md5:zzzzzzzzzzzzzzzzzzzzzzzzzz"; toHashFormat = "sri"; }',
    "builtins.convertHash { hash = "
    '"sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ag"; '
    'toHashFormat = "sri"; }',
    'builtins.convertHash { hash = "foo-AAAA"; toHashFormat = "sri"; }',
    'builtins.convertHash { hash = "sha256:"; toHashFormat = "sri"; }',
    "builtins.baseNameOf [ ]",
    "builtins.dirOf [ ]",
    "builtins.dirOf 1",
    "builtins.getEnv 1",
    'builtins.getEnv (throw "x")',
]

(
    differential,
    test_value_prints_as_the_reference_prints_it,
    test_outcome_is_the_reference_outcome,
) = H.differential_tests(VALUES, FULL, setup=_fixtures)
