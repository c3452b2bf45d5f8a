"""What the store's tests share: trees, a binary cache served over HTTP, the command."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


def make_tree(root: Path) -> Path:
    """A tree with each kind of entry NAR knows, and names that are awkward for it."""
    root.mkdir(parents=True)
    (root / "bin").mkdir()
    (root / "bin" / "hello").write_bytes(b"#!/bin/sh\necho hello\n")
    (root / "bin" / "hello").chmod(0o755)
    (root / "empty-file").write_bytes(b"")
    (root / "empty-dir").mkdir()
    (root / "link").symlink_to("bin/hello")
    (root / "dangling").symlink_to("/nowhere/at/all")
    (root / "large").write_bytes(os.urandom(3 * 1024 * 1024 + 7))
    os.mkdir(os.path.join(os.fsencode(root), b"caf\xe9-not-utf8"))
    deep = root / "deep"
    for level in range(40):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    (deep / "leaf").write_bytes(b"leaf\n")
    for i in range(30):
        (root / "many" / f"f{i:02}").parent.mkdir(exist_ok=True)
        (root / "many" / f"f{i:02}").write_bytes(bytes([i]) * (i * 97))
    return root


def run(
    tmp: Path, *args: str | os.PathLike[str], check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    environment = {**os.environ, "XDG_DATA_HOME": str(tmp / "xdg"), **(env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "tvix_store", *map(os.fspath, args)],
        capture_output=True,
        env=environment,
        check=False,
    )
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    if check:
        assert result.returncode == 0, result.stderr.decode()
    return result


class CacheHandler(http.server.BaseHTTPRequestHandler):
    """Serves a folder as a binary cache under a prefix; what is missing is 403 (as S3)."""

    root: Path
    prefix: str

    def _file(self) -> Path | None:
        path = self.path.split("?", 1)[0]
        if not path.startswith(self.prefix + "/"):
            return None
        relative = path[len(self.prefix) + 1 :]
        target = (self.root / relative).resolve()
        if self.root.resolve() not in target.parents or not target.is_file():
            return None
        return target

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        target = self._file()
        if target is None:
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = target.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return None


@dataclass
class ServedCache:
    """A binary cache folder served over HTTP on loopback; ``url`` includes the prefix."""

    root: Path
    url: str


@dataclass(frozen=True)
class ReferenceCache:
    """A closure of two paths the reference copied into a signed cache: ``top`` refers to
    ``leaf``. ``public_key`` verifies it; ``other_key`` is a key it was not signed with."""

    folder: Path
    top: str
    leaf: str
    public_key: str
    other_key: str
    source: Path


class NarBridgeProcess:
    """A ``nar-bridge`` started as a user starts it, on a free loopback port."""

    def __init__(self, data_home: Path, *args: str):
        import re
        import time

        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tvix_store.nar_bridge",
                "--listen-address",
                "127.0.0.1:0",
                *args,
            ],
            env={**os.environ, "XDG_DATA_HOME": str(data_home)},
            stderr=subprocess.PIPE,
        )
        assert self.process.stderr is not None
        deadline = time.monotonic() + 60
        line = b""
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            found = re.search(rb"serving on (http://\S+)", line)
            if found:
                self.url = found.group(1).decode()
                return
            if not line and self.process.poll() is not None:
                break
        raise AssertionError(f"nar-bridge did not start: {line!r}")

    def stop(self) -> bytes:
        """Stop it (SIGTERM) and return what it printed on stderr since it started."""
        import signal

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            _, err = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err or b""

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
