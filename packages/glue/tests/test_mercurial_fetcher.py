"""fetchMercurial and fetchTree's hg inputs. The reference runs here without an ``hg``
command, so it cannot fetch: the trees are checked against what it makes of the same files
(``builtins.path`` of the revision exported by hg itself), the revisions against hg's log."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fetch_support import ours
from tvix_store.services import Store

pytestmark = pytest.mark.skipif(shutil.which("hg") is None, reason="hg is not installed")


def _hg(where: Path, *args: str) -> str:
    env = {**os.environ, "HGPLAIN": "1", "HGRCPATH": "", "HGUSER": "test"}
    done = subprocess.run(["hg", *args], cwd=where, env=env, check=True, capture_output=True)
    return done.stdout.decode()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _hg(root, "init")
    (root / "a.txt").write_text("one\n")
    (root / "d").mkdir()
    (root / "d" / "run.sh").write_text("#!/bin/sh\n")
    (root / "d" / "run.sh").chmod(0o755)
    os.symlink("a.txt", root / "link")
    _hg(root, "add", "-q")
    _hg(root, "commit", "-q", "-d", "1600000000 0", "-m", "one")
    (root / "a.txt").write_text("two\n")
    _hg(root, "commit", "-q", "-d", "1600086400 0", "-m", "two")
    _hg(root, "tag", "-d", "1600090000 0", "-r", "0", "first")
    return root


def _exported(repo: Path, rev: str, into: Path) -> Path:
    _hg(repo, "archive", "-r", rev, "--type", "files", str(into))
    (into / ".hg_archival.txt").unlink()
    return into


def _value(store: Store, expr: str, capfd: pytest.CaptureFixture[str]) -> str:
    status, out, err = ours(store, expr, capfd)
    assert status == 0, err
    return out.strip()


@pytest.mark.parametrize("rev", ["0", "1", "first"])
def test_a_revision_is_the_tree_hg_exports(
    oracle: Any,
    store: Store,
    repo: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    rev: str,
) -> None:
    exported = _exported(repo, rev, tmp_path / f"export-{rev}")
    expected = oracle.out(
        "nix-instantiate",
        "--eval",
        "-E",
        f'builtins.path {{ path = {exported}; name = "source"; }}',
    ).strip()
    fetched = f'builtins.fetchMercurial {{ url = {repo}; rev = "{rev}"; }}'
    assert _value(store, f"toString ({fetched}).outPath", capfd) == expected
    node, number = _hg(repo, "log", "-r", rev, "--template", "{node} {rev}").split()
    assert _value(store, f"({fetched}).rev", capfd) == f'"{node}"'
    assert _value(store, f"({fetched}).shortRev", capfd) == f'"{node[:12]}"'
    assert _value(store, f"({fetched}).revCount", capfd) == str(int(number) + 1)
    nar_hash = oracle.out("nix-hash", "--type", "sha256", "--sri", exported).strip()
    tree = f'builtins.fetchTree {{ type = "hg"; url = "file://{repo}"; rev = "{node}"; }}'
    assert _value(store, f"({tree}).narHash", capfd) == f'"{nar_hash}"'


def test_a_clean_working_copy_is_the_tip_of_default(
    store: Store, repo: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    tip = _hg(repo, "log", "-r", "default", "--template", "{node}")
    value = _value(store, f"with builtins.fetchMercurial {repo}; [ rev branch ]", capfd)
    assert value == f'[ "{tip}" "default" ]'


def test_an_unclean_working_copy_is_taken_as_it_is_without_a_revision(
    store: Store, repo: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (repo / "a.txt").write_text("changed\n")
    (repo / "untracked.txt").write_text("left out\n")
    expr = (
        f"let t = builtins.fetchMercurial {repo}; in "
        '[ t.rev (t ? branch) (builtins.readFile "${t}/a.txt") (builtins.attrNames '
        "(builtins.readDir t)) ]"
    )
    status, out, err = ours(store, expr, capfd)
    assert status == 0, err
    assert out == f'[ "{"0" * 40}" false "changed\\n" [ ".hgtags" "a.txt" "d" "link" ] ]\n'
    assert err == f"warning: Mercurial tree '{repo}' is unclean\n"


def test_an_unknown_revision_is_refused_naming_the_input(
    store: Store, repo: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    status, _, err = ours(
        store, f'builtins.fetchMercurial {{ url = {repo}; rev = "nope"; }}', capfd
    )
    assert status == 1
    assert f"while fetching the input 'hg+file://{repo}?name=source&ref=nope'" in err
    assert "unknown Mercurial revision or ref 'nope'" in err
