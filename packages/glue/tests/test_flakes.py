"""builtins.getFlake against the reference, on flakes made here: outputs, self, inputs locked
on the fly (path and git inputs, follows, non-flake inputs, nested inputs) with what it
prints about them, an existing lock file (written by the reference's own ``nix flake
lock``), pure evaluation, and a flake without flake.nix."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fetch_support import ours, reference
from tvix_store.services import Store

LEAF = """{
  description = "a flake without inputs";
  outputs = { self }: { x = 1; me = self.outPath; keys = builtins.attrNames self; };
}
"""
MIDDLE = """{
  inputs.leaf.url = "path:LEAF";
  outputs = { self, leaf }: { y = leaf.x + 1; leafKeys = builtins.attrNames leaf; };
}
"""
TOP = """{
  inputs.middle.url = "path:MIDDLE";
  inputs.leaf.follows = "middle/leaf";
  inputs.raw = { url = "path:LEAF/flake.nix"; flake = false; };
  inputs.repo.url = "git+file://REPO";
  outputs = { self, middle, leaf, raw, repo }: {
    z = middle.y + leaf.x;
    inherit raw;
    repoRev = repo.rev;
    repoCount = repo.revCount;
    repoOut = repo.outPath;
    inputNames = builtins.attrNames self.inputs;
  };
}
"""


@pytest.fixture
def flakes(tmp_path: Path) -> Path:
    root = tmp_path / "flakes"
    for name, text in (("leaf", LEAF), ("middle", MIDDLE), ("top", TOP), ("repo", LEAF)):
        (root / name).mkdir(parents=True)
        text = text.replace("LEAF", str(root / "leaf")).replace("MIDDLE", str(root / "middle"))
        (root / name / "flake.nix").write_text(text.replace("REPO", str(root / "repo")))
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_AUTHOR_DATE": "1600000000 +0000",
        "GIT_COMMITTER_DATE": "1600000000 +0000",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "flake"]):
        subprocess.run(["git", *args], cwd=root / "repo", env=env, check=True)
    return root


EXPRESSIONS = [
    'builtins.getFlake "path:{root}/leaf"',
    'builtins.getFlake "{root}/leaf"',
    'builtins.getFlake "git+file://{root}/repo"',
    'let f = builtins.getFlake "path:{root}/middle"; in {{ inherit (f) y leafKeys; }}',
    'builtins.removeAttrs (builtins.getFlake "path:{root}/top") [ "lastModified" ]',
    'builtins.getFlake "path:{root}"',
]


@pytest.mark.parametrize("template", EXPRESSIONS)
def test_get_flake_answers_as_the_reference(
    oracle: Any, store: Store, flakes: Path, capfd: pytest.CaptureFixture[str], template: str
) -> None:
    expr = template.format(root=flakes)
    assert ours(store, expr, capfd) == reference(oracle, expr)


def test_an_existing_lock_file_is_used_as_it_is(
    oracle: Any, store: Store, flakes: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    oracle.run("nix", "flake", "lock", str(flakes / "top"))
    assert (flakes / "top" / "flake.lock").exists()
    # Nothing to add, so nothing said about it; the same nodes, the same values.
    expr = f'let f = builtins.getFlake "path:{flakes}/top"; in [ f.z f.repoCount f.inputNames ]'
    assert ours(store, expr, capfd) == reference(oracle, expr)


def test_pure_evaluation_refuses_an_unlocked_flake(
    oracle: Any, store: Store, flakes: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    expr = f'builtins.getFlake "path:{flakes}/leaf"'
    evaluated = ours(store, expr, capfd, pure_eval=True)
    assert evaluated == reference(oracle, expr, "--pure-eval")
