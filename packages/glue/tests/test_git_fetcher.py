"""fetchGit and fetchTree from a remote repository: a real ``git daemon`` on loopback, started
here. The reference runs here without a ``git`` command, which it needs for every repository
but a local working tree: its answers come from the working tree the served repository was
cloned from, which must be the same trees with the same revisions. And what the reference
cannot show: a revision fetched once is read from our cache when the server has gone."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fetch_support import ours, reference
from tvix_store.services import Store

GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(where: Path, *args: str, day: int = 0) -> str:
    stamp = f"{1_650_000_000 + day * 86_400} +0000"
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    done = subprocess.run(
        ["git", *args], cwd=where, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


@dataclass
class Remote:
    url: str
    work: Path
    first: str
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(base: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    process = subprocess.Popen(
        [
            "git", "daemon", "--reuseaddr", "--export-all", f"--base-path={base}",
            "--listen=127.0.0.1", f"--port={port}", str(base),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("git daemon did not start")


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    base = tmp_path_factory.mktemp("git-served")
    work = base / "work"
    work.mkdir()
    _git(work, "init", "-q", "-b", "trunk")
    (work / "a.txt").write_text("one\n")
    (work / "tool.sh").write_text("#!/bin/sh\n")
    (work / "tool.sh").chmod(0o755)
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "one", day=0)
    first = _git(work, "rev-parse", "HEAD")
    (work / "a.txt").write_text("two\n")
    os.symlink("a.txt", work / "link")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "two", day=1)
    _git(work, "tag", "v1", first)
    _git(work, "branch", "side", first)
    _git(base, "clone", "-q", "--bare", str(work), "repo.git")
    process, port = _serve(base)
    yield Remote(f"git://127.0.0.1:{port}/repo.git", work, first, process)
    process.kill()
    process.wait()


EXPRESSIONS = [
    'builtins.fetchGit "{url}"',
    'builtins.fetchGit {{ url = "{url}"; ref = "side"; }}',
    'builtins.fetchGit {{ url = "{url}"; ref = "refs/tags/v1"; name = "tagged"; }}',
    'builtins.fetchGit {{ url = "{url}"; rev = "{first}"; }}',
    'builtins.fetchGit {{ url = "{url}"; ref = "trunk"; rev = "{first}"; }}',
    'builtins.fetchTree {{ type = "git"; url = "{url}"; ref = "trunk"; }}',
    'builtins.fetchTree "git+{url}?ref=side"',
    'builtins.readFile "${{builtins.fetchGit "{url}"}}/link"',
    'builtins.readDir (builtins.fetchGit "{url}")',
]


@pytest.mark.parametrize("template", EXPRESSIONS)
def test_remote_fetches_answer_as_the_reference(
    oracle: Any, remote: Remote, store: Store, capfd: pytest.CaptureFixture[str], template: str
) -> None:
    expr = template.format(url=remote.url, first=remote.first)
    local = template.format(url=f"file://{remote.work}", first=remote.first)
    assert ours(store, expr, capfd) == reference(oracle, local)


def test_a_shallow_fetch_is_the_same_tree_without_the_history(
    remote: Remote, store: Store, capfd: pytest.CaptureFixture[str]
) -> None:
    deep = ours(store, f'(builtins.fetchGit "{remote.url}").outPath', capfd)
    shallow = f'builtins.fetchGit {{ url = "{remote.url}"; shallow = true; }}'
    assert ours(store, f"({shallow}).outPath", capfd) == deep
    # Without the history the count is unknown: fetchGit then says 0 (C++ Nix's
    # emitTreeAttrs; the reference cannot fetch a remote here to show it).
    assert ours(store, f"({shallow}).revCount", capfd) == (0, "0\n", "")


def test_a_fetched_revision_is_read_from_the_cache_once_the_server_is_gone(
    remote: Remote, store: Store, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = tmp_path / "served"
    _git(tmp_path, "clone", "-q", "--bare", remote.url, str(base / "repo.git"))
    process, port = _serve(base)
    url = f"git://127.0.0.1:{port}/repo.git"
    expr = f'builtins.fetchGit {{ url = "{url}"; rev = "{remote.first}"; }}'
    try:
        first = ours(store, expr, capfd)
    finally:
        process.kill()
        process.wait()
    assert first[0] == 0, first
    assert ours(store, expr, capfd) == first
    unknown = f'builtins.fetchGit {{ url = "{url}"; rev = "{"1" * 40}"; }}'
    status, _, err = ours(store, unknown, capfd)
    assert status == 1
    assert f"while fetching the input '{url}?exportIgnore=1&rev={'1' * 40}'" in err
