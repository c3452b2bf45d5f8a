"""Derivations instantiated by the reference C++ Nix, shared by the derivation tests.

One ``nix-instantiate`` writes a spread of derivations into the reference's store: plain,
fixed-output in every method and algorithm, structured attributes, many outputs, chains of
inputs (with two fixed-output inputs that hash alike), sources, odd and non-UTF-8 strings,
long names, floating, impure, deferred and dynamic derivations. Their ``.drv`` files (and
those of every input) are copied into a folder under their store base names, and
``nix derivation show`` is run once over all of them.

Test modules load this file by path (tests folders are not packages) and share one build per
session through :func:`shared`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FEATURES = "nix-command ca-derivations dynamic-derivations impure-derivations git-hashing"
XP = ("--extra-experimental-features", FEATURES)

#: The derivations, by attribute name. ``args`` and ``system`` vary where the ATerm writes
#: them differently (list of escaped strings; the system is written without escaping).
SET_NIX = r"""
let
  sys = "x86_64-linux";
  mk = attrs: derivation ({ system = sys; builder = "/bin/sh"; } // attrs);
  fod = name: mode: algo: hash: mk {
    inherit name; outputHashMode = mode; outputHashAlgo = algo; outputHash = hash;
  };
  bin = builtins.readFile ./bin.dat;
  tf1 = builtins.toFile "nc-drv-a.txt" "first";
  tf2 = builtins.toFile "nc-drv-b.txt" "refers to ${tf1}";
  long = builtins.concatStringsSep "" (builtins.genList (_: "l") 207);
  floating = mk {
    name = "floating"; __contentAddressed = true; outputHashMode = "recursive";
    outputHashAlgo = "sha256"; outputs = [ "out" "lib" ];
  };
  gen = mk {
    name = "gen.drv"; __contentAddressed = true; outputHashMode = "text";
    outputHashAlgo = "sha256";
  };
  empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  sri256 = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  nix32 = "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73";
  sri512 = "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+"
    + "DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==";
  # Two fixed-output derivations that differ but promise the same output: one hash modulo.
  same = arg: mk {
    name = "same-fod"; outputHash = empty; outputHashAlgo = "sha256"; args = [ arg ];
  };
  fodA = same "a";
  fodB = same "b";
  c0 = mk { name = "chain-0"; outputs = [ "out" "dev" "lib" ]; };
  c1 = mk {
    name = "chain-1"; outputs = [ "out" "bin" ]; a = c0.dev; b = fodA; args = [ "${c0.lib}" ];
  };
  c2 = mk { name = "chain-2"; a = c1.bin; b = fodB; c = c0; };
  c3 = mk { name = "chain-3"; a = c2; b = fodA; c = c1.out; };
  c4 = mk { name = "chain-4"; a = c3; src = ./src.txt; d = c0.dev; };
  deferred = mk { name = "deferred"; a = floating.lib; };
  fod-flat-md5-dep = fod "md5-dep" "flat" "md5" "d41d8cd98f00b204e9800998ecf8427e";
in {
  simple = mk { name = "simple"; args = [ "-c" "echo hello > $out" ]; };
  via-builtins = builtins.derivation {
    name = "via-builtins"; system = sys; builder = "/bin/sh";
  };
  # The hashes of empty content, spelled in each way Nix accepts (SRI, nix32, base16).
  fod-flat-sha256 = fod "fod-flat-sha256" "flat" "sha256" sri256;
  fod-nar-sha256 = fod "fod-nar-sha256" "recursive" "sha256" nix32;
  fod-flat-sha1 = fod "fod-flat-sha1" "flat" "sha1" "da39a3ee5e6b4b0d3255bfef95601890afd80709";
  fod-nar-sha1 = fod "fod-nar-sha1" "recursive" "sha1" "da39a3ee5e6b4b0d3255bfef95601890afd80709";
  fod-flat-sha512 = fod "fod-flat-sha512" "flat" "sha512" sri512;
  fod-nar-sha512 = fod "fod-nar-sha512" "recursive" "sha512" sri512;
  fod-flat-md5 = fod "fod-flat-md5" "flat" "md5" "d41d8cd98f00b204e9800998ecf8427e";
  fod-nar-md5 = fod "fod-nar-md5" "recursive" "md5" "d41d8cd98f00b204e9800998ecf8427e";
  fod-text = fod "fod-text" "text" "sha256" empty;
  fod-git = fod "fod-git" "git" "sha1" "da39a3ee5e6b4b0d3255bfef95601890afd80709";
  structured = mk {
    name = "structured"; __structuredAttrs = true; outputs = [ "out" "dev" ];
    list = [ 1 2.5 true null "s" { nested.deep = [ "x" ]; } ];
    text = "quote \" backslash \\ nl \n tab \t unicode é 😀";
    dep = c0.lib;
  };
  many-outputs = mk {
    name = "many-outputs";
    outputs = [
      "out" "bin" "dev" "lib" "doc" "man" "info" "static" "a.b" "x_y" "Z9" "debug" "a+b" "q?="
    ];
  };
  odd-env = mk {
    name = "odd-env";
    quote = "\""; backslash = "\\"; mixed = "a\"b\\c\nd\re\tf\\n\\\"";
    unicode = "é ü 中文 😀 \u{1F600}";
    control = builtins.fromJSON ''"\u0001\u001f\u007f\u0080"'';
    empty = ""; "" = "empty key"; "key with \"quotes\"\n\tand\\" = "v"; "é" = "accent key";
    "😀" = "astral key"; "~" = "tilde";
    args = [ "" "\n" "\\n" " " "\"" "\r\n" ];
  };
  non-utf8 = mk { name = "non-utf8"; v = bin; args = [ "ok" bin ]; ${bin} = "key"; };
  srcs = mk { name = "srcs"; builder = ./src.txt; args = [ tf2 "${./src.txt}" ]; env = tf1; };
  drvpath-ref = mk {
    name = "drvpath-ref"; a = builtins.unsafeDiscardOutputDependency c1.drvPath; b = c0.drvPath;
  };
  chain = c4;
  fod-inputs = mk { name = "fod-inputs"; a = fodA; b = fodB; c = fod-flat-md5-dep; };
  long-name = mk { name = long; };
  long-output = mk {
    name = builtins.substring 0 190 long; outputs = [ "out" "averyverylongoutputn" ];
  };
  odd-system = mk { name = "odd-system"; system = "weird\nsys\ttem é"; };
  empty-args = mk { name = "empty-args"; args = [ ]; };
  floating = floating;
  deferred = deferred;
  deferred-chain = mk { name = "deferred-chain"; a = deferred; b = c0; };
  impure = mk { name = "impure"; __impure = true; };
  dynamic = mk {
    name = "dynamic"; c = c0.dev;
    a = builtins.outputOf gen.outPath "out"; b = builtins.outputOf gen.outPath "dev";
  };
}
"""

#: Derivations whose strings are not UTF-8: the reference cannot print them as JSON.
NOT_JSON = ("non-utf8",)

PATHS_NIX = "builtins.mapAttrs (_: d: d.drvPath) (import ./set.nix)"


@dataclass(frozen=True)
class DrvReference:
    root: Path
    #: the .drv files, named by their store base names
    drv_dir: Path
    #: attribute name -> absolute .drv path
    top: dict[str, str]
    #: every .drv path in the closure of ``top``
    all_drvs: list[str]
    #: ``nix derivation show`` over every .drv but those in NOT_JSON: its text and its value
    show_text: str
    show: dict[str, Any]

    def file(self, drv_path: str) -> Path:
        return self.drv_dir / os.path.basename(drv_path)

    def data(self, drv_path: str) -> bytes:
        return self.file(drv_path).read_bytes()


def build(oracle: Any, root: Path) -> DrvReference:
    (root / "bin.dat").write_bytes(b"ab\xff\xfecd\xc3\xa9\x80")
    (root / "src.txt").write_text("a source file\n")
    (root / "set.nix").write_text(SET_NIX)
    (root / "paths.nix").write_text(PATHS_NIX)
    out = oracle.out(
        "nix-instantiate",
        *XP,
        "--read-write-mode",
        "--eval",
        "--strict",
        "--json",
        root / "paths.nix",
    )
    top: dict[str, str] = json.loads(out)
    closure = oracle.out("nix-store", "--query", "--requisites", *top.values()).split()
    drvs = sorted(p for p in closure if p.endswith(".drv"))
    drv_dir = root / "drvs"
    drv_dir.mkdir()
    oracle.run("cp", *drvs, drv_dir)
    for file in drv_dir.iterdir():
        file.chmod(0o644)
    skip = {top[name] for name in NOT_JSON}
    shown = [p for p in drvs if p not in skip]
    show_text = oracle.run("nix", *XP, "derivation", "show", *shown).stdout.decode()
    return DrvReference(root, drv_dir, top, drvs, show_text, json.loads(show_text))


_BUILT: dict[str, DrvReference] = {}


def shared(oracle: Any, tmp_path_factory: Any) -> DrvReference:
    """One set of reference derivations per test session, whichever module asks first."""
    if "drvs" not in _BUILT:
        _BUILT["drvs"] = build(oracle, tmp_path_factory.mktemp("reference-drvs"))
    return _BUILT["drvs"]
