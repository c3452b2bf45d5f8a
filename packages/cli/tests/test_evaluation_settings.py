"""Settings that change what evaluation may do, against ``nix-instantiate`` with the same
flags: pure evaluation (``--pure-eval``, ``--impure``) and experimental features
(``--option experimental-features``, ``--extra-experimental-features``), with the reference's
messages and warnings. Each test has a store of its own (``XDG_DATA_HOME``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_harness import Tvix

#: The reference's own configuration enables some features: every case says which it wants.
NO_FEATURES = ("--option", "experimental-features", "")

PURE_CASES = {
    "environment": 'builtins.getEnv "HOME"',
    "no-current-system": "builtins.currentSystem",
    "no-current-time": "builtins ? currentTime",
    "nix-path-empty": "builtins.nixPath",
    "search-path": "<nixpkgs>",
    "search-path-explicit": 'builtins.findFile [ { prefix = "x"; path = "/etc"; } ] "x"',
    "import": "import /etc/hostname",
    "read-file": "builtins.readFile /etc/passwd",
    "read-dir": "builtins.readDir /etc",
    "path-exists": "builtins.pathExists /etc/passwd",
    "interpolated-path": '"${/etc/passwd}"',
    "store-path": "builtins.storePath /nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x",
    "fetchurl-needs-a-hash": 'builtins.fetchurl "file:///etc/passwd"',
    "fetch-tarball-needs-a-hash": 'builtins.fetchTarball { url = "file:///etc/passwd"; }',
    "own-files-readable": 'builtins.readFile (builtins.toFile "pure" "hello")',
    "context-makes-readable": ('builtins.readFile "${builtins.toFile "pure" "hello"}/."'),
}


@pytest.fixture(autouse=True)
def own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


def _same(tvix: Tvix, oracle: Any, *args: str) -> None:
    ours = tvix("eval", *args)
    reference = oracle.run("nix-instantiate", "--eval", *args, check=False)
    assert (ours.exit_code, ours.stdout, ours.stderr) == (
        reference.returncode,
        reference.stdout.decode(),
        reference.stderr.decode(),
    )


@pytest.mark.parametrize("case", sorted(PURE_CASES))
def test_pure_evaluation_refuses_what_the_reference_refuses(
    tvix: Tvix, oracle: Any, case: str
) -> None:
    _same(
        tvix,
        oracle,
        *NO_FEATURES,
        "--read-write-mode",
        "--pure-eval",
        "-I",
        "nixpkgs=/etc",
        "-E",
        PURE_CASES[case],
    )


def test_pure_evaluation_reads_what_it_fetched_by_hash(
    tvix: Tvix, oracle: Any, tmp_path: Path
) -> None:
    source = tmp_path / "fetched.txt"
    source.write_text("fetched\n")
    hashed = oracle.out("nix-hash", "--type", "sha256", "--flat", "--base32", source).strip()
    expr = (
        f'builtins.readFile (builtins.fetchurl {{ url = "file://{source}"; sha256 = "{hashed}"; }})'
    )
    _same(tvix, oracle, *NO_FEATURES, "--pure-eval", "-E", expr)


def test_pure_evaluation_refuses_the_file_it_is_given(
    tvix: Tvix, oracle: Any, tmp_path: Path
) -> None:
    main = tmp_path / "main.nix"
    main.write_text("1 + 1\n")
    _same(tvix, oracle, *NO_FEATURES, "--pure-eval", str(main))


@pytest.mark.parametrize(
    "flags",
    [
        ("--pure-eval", "--impure"),
        ("--pure-eval", "--no-pure-eval"),
        ("--option", "pure-eval", "true", "--option", "pure-eval", "false"),
        ("--option", "pure-eval", "maybe"),
    ],
    ids=["impure-after-pure", "no-pure-eval", "option-last-wins", "option-bad-value"],
)
def test_the_last_pure_eval_setting_counts(tvix: Tvix, oracle: Any, flags: tuple[str, ...]) -> None:
    _same(tvix, oracle, *NO_FEATURES, *flags, "-E", "builtins ? currentTime")


FEATURE_NAMES = (
    'builtins.filter (n: builtins.elem n [ "fetchTree" "getFlake" "parseFlakeRef" '
    '"flakeRefToString" "fetchClosure" "fetchGit" ]) (builtins.attrNames builtins)'
)


@pytest.mark.parametrize(
    "flags",
    [
        NO_FEATURES,
        ("--option", "experimental-features", "fetch-tree"),
        ("--option", "experimental-features", "flakes"),
        ("--option", "experimental-features", "fetch-closure nix-command"),
        (*NO_FEATURES, "--extra-experimental-features", "flakes"),
        ("--option", "experimental-features", "bogus", "--extra-experimental-features", "flakes"),
        ("--extra-experimental-features", "flakes", *NO_FEATURES),
    ],
    ids=[
        "none",
        "fetch-tree",
        "flakes-implies-fetch-tree",
        "fetch-closure",
        "extra",
        "unknown",
        "option-replaces",
    ],
)
def test_experimental_features_decide_which_builtins_exist(
    tvix: Tvix, oracle: Any, flags: tuple[str, ...]
) -> None:
    _same(tvix, oracle, *flags, "-E", FEATURE_NAMES)
