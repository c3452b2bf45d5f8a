"""``tvix instantiate`` against ``nix-instantiate``: the same paths printed, the same messages,
and in the store the same ``.drv`` files, byte for byte (compared as NARs) with the same
references. Each test has a store of its own (``XDG_DATA_HOME``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Tvix

MK = 'mk = n: derivation { name = n; system = "x86_64-linux"; builder = "/bin/sh"; '

CASES = {
    "one": (
        'derivation { name = "one"; system = "x"; builder = "/bin/sh"; args = [ "-c" "true" ]; }'
    ),
    "search": (
        f'let {MK}outputs = [ "out" "dev" ]; }}; in {{ a = mk "a"; b = {{ '
        'recurseForDerivations = true; c = mk "c"; d = (mk "d").dev; }; e = { f = mk "f"; }; '
        '"g h" = mk "g"; l = [ (mk "l1") ]; n = 1; }'
    ),
    "list": f'let {MK}}}; in [ (mk "p") [ (mk "q") ] (mk "p") ]',
    "chain": (
        f'let {MK}}}; a = mk "a"; b = derivation {{ name = "b"; system = "x"; '
        'builder = "${a}/bin/sh"; }; in derivation { name = "c"; system = "x"; '
        'builder = "/bin/sh"; deps = [ a b ]; }'
    ),
    # A drvPath in a string brings in the whole closure of that .drv (Rust Tvix gets this one
    # wrong).
    "closure": (
        f'let {MK}}}; d = mk "d1"; e = derivation {{ name = "e1"; system = "x"; '
        'builder = "/bin/sh"; dep = d; }; in derivation { name = "y"; system = "x"; '
        'builder = "/bin/sh"; x = e.drvPath; }'
    ),
    "fixed": (
        'let f = derivation { name = "src"; system = "x"; builder = "/bin/sh"; '
        'outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; '
        'outputHashMode = "recursive"; }; in derivation { name = "user"; system = "x"; '
        'builder = "/bin/sh"; src = f; }'
    ),
    "sources": (
        'derivation { name = "with-files"; system = "x"; builder = "/bin/sh"; '
        'script = builtins.toFile "script.sh" "echo hi"; }'
    ),
}


@pytest.fixture
def own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


def _tvix_store(*args: str) -> bytes:
    """The tvix-store command on the same (embedded) store."""
    result = subprocess.run(
        [sys.executable, "-m", "tvix_store", *args], capture_output=True, check=True
    )
    return result.stdout


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_paths_and_the_drv_files_are_the_references(
    tvix: Tvix, oracle: Any, own_store: Path, case: str
) -> None:
    expr = CASES[case]
    ours = tvix("instantiate", "-E", expr)
    reference = oracle.run("nix-instantiate", "-E", expr, check=False)
    assert (ours.exit_code, ours.stdout, ours.stderr) == (
        reference.returncode,
        reference.stdout.decode(),
        reference.stderr.decode(),
    )
    for line in ours.stdout.splitlines():
        drv = line.partition("!")[0]
        closure = oracle.out("nix-store", "--query", "--requisites", drv).split()
        for path in closure:
            assert _tvix_store("nar", path) == oracle.run("nix-store", "--dump", path).stdout
        references = oracle.out("nix-store", "--query", "--references", drv).split()
        shown = _tvix_store("path-info", "--json", drv).decode()
        assert all(ref in shown for ref in references)


def test_attribute_paths_select_what_is_instantiated(
    tvix: Tvix, oracle: Any, own_store: Path
) -> None:
    expr = CASES["search"]
    for attr in ("b", "a", "b.d", "e.f"):
        ours = tvix("instantiate", "-A", attr, "-E", expr)
        reference = oracle.run("nix-instantiate", "-A", attr, "-E", expr, check=False)
        assert (ours.exit_code, ours.stdout) == (reference.returncode, reference.stdout.decode())


@pytest.mark.parametrize("expr", ["1", "[ 1 ]", '{ a = 1; b = throw "never"; }', '"a string"'])
def test_what_is_no_derivation_is_refused_as_the_reference_refuses_it(
    tvix: Tvix, oracle: Any, own_store: Path, expr: str
) -> None:
    ours = tvix("instantiate", "-E", expr)
    reference = oracle.run("nix-instantiate", "-E", expr, check=False)
    assert (ours.exit_code, ours.stdout, ours.stderr) == (
        reference.returncode,
        reference.stdout.decode(),
        reference.stderr.decode(),
    )


def test_eval_without_read_write_mode_writes_nothing(tvix: Tvix, own_store: Path) -> None:
    result = tvix("eval", "-E", f"({CASES['one']}).drvPath")
    assert result.exit_code == 0
    assert not own_store.exists()
    written = tvix("eval", "--read-write-mode", "-E", f"({CASES['one']}).drvPath")
    assert written.stdout == result.stdout
    path = written.stdout.strip().strip('"')
    assert _tvix_store("path-info", path).decode().strip() == path
