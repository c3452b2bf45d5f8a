"""``tvix build`` against ``nix-build --no-out-link``: the same output paths printed, and in
the store the same outputs byte for byte (their NARs), with the same references and deriver.
The builder is a static busybox, as a package (``bin/busybox``) added from a path. The
reference builds without a sandbox here, so builds print nothing of their build folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Tvix

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None or shutil.which("busybox") is None,
    reason="needs bubblewrap and a static busybox (Debian: bubblewrap, busybox-static)",
)

DERIVATIONS = r"""
let
  bb = builtins.path { path = ./bb; name = "busybox"; };
  run = "${bb}/bin/busybox";
  mk = name: script: attrs: derivation ({
    inherit name;
    system = builtins.currentSystem;
    builder = run;
    args = [ "sh" "-c" script ];
  } // attrs);
in rec {
  file = mk "file" "echo made for NONCE > $out" { };
  tree = mk "tree" ''
    ${run} mkdir -p $out/bin $out/share
    echo '#!/bin/sh' > $out/bin/tool; ${run} chmod +x $out/bin/tool
    ${run} ln -s ../bin/tool $out/share/link
    echo uses ${file} > $out/share/ref
  '' { };
  multi = mk "multi" ''
    echo dev of $out > $dev; echo out > $out
  '' { outputs = [ "out" "dev" ]; };
  multiDev = multi.dev;
  asFile = mk "as-file" ''${run} cat $bigPath > $out; echo >> $out; echo $marker >> $out'' {
    passAsFile = [ "big" ]; big = "a value passed as a file NONCE";
    marker = "${builtins.placeholder "out"}/marker";
  };
  fixed = mk "fixed" "echo -n hello > $out" {
    outputHashMode = "flat"; outputHashAlgo = "sha256";
    outputHash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
  };
  fixedTree = mk "fixed-tree" "${run} mkdir $out; echo -n hello > $out/h" {
    outputHashMode = "recursive"; outputHashAlgo = "sha256";
    outputHash = "sha256-uHhT6l96f9x3hlNZdmbVzpnpkUr3/cxI9zcmnwWSuIo=";
  };
  chain = mk "chain" "echo ${tree} ${multi.dev} ${fixed} > $out" { };
  failing = mk "failing" "echo going wrong NONCE; exit 3" { };
  mismatch = mk "mismatch" "echo -n other NONCE > $out" {
    outputHashMode = "flat"; outputHashAlgo = "sha256";
    outputHash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
  };
}
"""


#: The reference builds what it has not, without first asking its default binary cache.
NIX_BUILD = ("--no-out-link", "--option", "substituters", "")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "bb" / "bin").mkdir(parents=True)
    shutil.copy(shutil.which("busybox") or "", tmp_path / "bb" / "bin" / "busybox")
    # A nonce of this run: the reference's store keeps what it built before.
    (tmp_path / "default.nix").write_text(DERIVATIONS.replace("NONCE", tmp_path.name))
    return tmp_path


def _tvix_store(*args: str) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "tvix_store", *args], capture_output=True, check=True
    )
    return done.stdout


@pytest.mark.parametrize(
    "attr", ["file", "tree", "multi", "multiDev", "asFile", "fixed", "fixedTree", "chain"]
)
def test_builds_give_the_references_outputs(
    tvix: Tvix, oracle: Any, project: Path, attr: str
) -> None:
    file = str(project / "default.nix")
    ours = tvix("build", file, "-A", attr)
    reference = oracle.run("nix-build", *NIX_BUILD, file, "-A", attr)
    assert ours.exit_code == 0, ours.stderr
    assert ours.stdout == reference.stdout.decode()
    for path in ours.stdout.split():
        assert _tvix_store("nar", path) == oracle.run("nix-store", "--dump", path).stdout
        mine = json.loads(_tvix_store("path-info", "--json", path))[path]
        theirs = json.loads(oracle.out("nix", "path-info", "--json", path))[path]
        assert mine["references"] == theirs["references"]
        # A fixed output's deriver is whichever derivation made it first in that store.
        if mine["ca"] is None:
            assert mine["deriver"] == theirs["deriver"]


def test_a_failing_builder_is_reported_with_its_log_and_registers_nothing(
    tvix: Tvix, oracle: Any, project: Path
) -> None:
    file = str(project / "default.nix")
    ours = tvix("build", file, "-A", "failing")
    reference = oracle.run("nix-build", *NIX_BUILD, file, "-A", "failing", check=False)
    assert ours.exit_code == reference.returncode == 100
    first = [line for line in reference.stderr.decode().splitlines() if "builder for" in line]
    assert first and first[0] in ours.stderr
    assert f"> going wrong {project.name}" in ours.stderr
    drv = tvix("instantiate", file, "-A", "failing").stdout.strip()
    out = json.loads(oracle.out("nix", "derivation", "show", drv))[drv]["outputs"]["out"]["path"]
    assert (
        subprocess.run(
            [sys.executable, "-m", "tvix_store", "path-info", out], capture_output=True
        ).returncode
        != 0
    )


def test_a_fixed_output_mismatch_is_the_references_error(
    tvix: Tvix, oracle: Any, project: Path
) -> None:
    file = str(project / "default.nix")
    ours = tvix("build", file, "-A", "mismatch")
    reference = oracle.run("nix-build", *NIX_BUILD, file, "-A", "mismatch", check=False)
    assert ours.exit_code == reference.returncode == 102
    mismatch = reference.stderr.decode()
    start = mismatch.index("error: hash mismatch")
    assert (
        mismatch[start:].splitlines()[:3]
        == ours.stderr[ours.stderr.index("error: hash mismatch") :].splitlines()[:3]
    )


def test_import_from_derivation_builds_what_evaluation_reads(
    tvix: Tvix, oracle: Any, project: Path
) -> None:
    (project / "ifd.nix").write_text(
        "let d = import ./default.nix; made = d.file.drvAttrs // {\n"
        '  name = "ifd";\n'
        "  args = [ \"sh\" \"-c\" ''echo '{ answer = 42; note = \"NONCE\"; }' > $out'' ];\n"
        "}; in (import (derivation made)).answer\n".replace("NONCE", project.name)
    )
    file = str(project / "ifd.nix")
    ours = tvix("eval", "--read-write-mode", file)
    reference = oracle.run(
        "nix-instantiate", "--eval", "--read-write-mode", *NIX_BUILD[1:], file, check=False
    )
    assert (ours.exit_code, ours.stdout) == (reference.returncode, reference.stdout.decode())
    assert ours.stdout == "42\n"
