"""A throwaway PostgreSQL server on loopback, for the tests and benchmarks of the PostgreSQL
PathInfo service.

The server is Debian's (package ``postgresql``, binaries in ``/usr/lib/postgresql/<v>/bin``,
or ``initdb`` on PATH), run in a temporary folder with durability switched off for speed.
PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` user the package
made (else ``nobody``). Needs psycopg (``pip install 'tvix-store[postgres]'``).
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["PostgresUnavailable", "postgres_bin_dir", "throwaway_postgres"]


class PostgresUnavailable(Exception):
    """This machine has no PostgreSQL server to start."""


def postgres_bin_dir() -> Path | None:
    """Where Debian's PostgreSQL binaries are (the newest version), else initdb's on PATH."""

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path))

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


@contextmanager
def throwaway_postgres(superuser: str, hba: str | None = None) -> Iterator[int]:
    """A running server whose ``superuser`` logs in without a password (or as ``hba``, the
    text of its ``pg_hba.conf``, says); its port. Gone, with its folder, after the block.
    PostgresUnavailable when there is no server to start; RuntimeError when it fails."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable(
            "no PostgreSQL server: initdb is neither in /usr/lib/postgresql/*/bin nor on PATH "
            "(Debian: apt-get install postgresql)"
        )
    folder = Path(tempfile.mkdtemp(prefix="tvix-pg-"))
    run_as: dict[str, Any] = {}
    if os.geteuid() == 0:
        # initdb and postgres refuse to run as root: the package's user owns the folder.
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            user = pwd.getpwnam("nobody")
        os.chown(folder, user.pw_uid, user.pw_gid)
        run_as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    process: subprocess.Popen[bytes] | None = None
    try:
        initdb = subprocess.run(
            [bin_dir / "initdb", "-D", folder / "data", "-U", superuser, "-A", "trust",
             "-E", "UTF8", "--locale=C", "--no-sync"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
            **run_as,
        )  # fmt: skip
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed: {initdb.stdout!r} {initdb.stderr!r}")
        if hba is not None:
            (folder / "data" / "pg_hba.conf").write_text(hba)
        process, port = _start(bin_dir, folder, run_as, superuser)
        yield port
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(
    bin_dir: Path, folder: Path, run_as: dict[str, Any], superuser: str
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``postgres`` on a free loopback port (another free one if that was taken
    meanwhile); the process and its port, once it accepts connections."""
    import psycopg

    for _attempt in range(3):
        port = _free_port()
        log = folder / f"postgres-{port}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [
                    bin_dir / "postgres",
                    "-D", folder / "data",
                    "-k", folder,  # the Unix socket, beside the data, not in /run/postgresql
                    "-p", str(port),
                    "-c", "listen_addresses=127.0.0.1",
                    "-c", "fsync=off",  # a throwaway server: nothing to keep after a crash
                    "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off",
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # stopped by us, not by a Ctrl-C meant for the caller
                **run_as,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            try:
                psycopg.connect(
                    f"postgresql://{superuser}@127.0.0.1:{port}/postgres", connect_timeout=2
                ).close()
                return process, port
            except psycopg.OperationalError:
                time.sleep(0.05)
        text = log.read_text(errors="replace")
        if process.poll() is None:
            _stop(process)
            raise RuntimeError(f"postgres did not accept connections within 30 s:\n{text}")
        if "Address already in use" not in text:
            raise RuntimeError(f"postgres exited with {process.returncode}:\n{text}")
    raise RuntimeError("postgres found no free port in 3 attempts")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT is PostgreSQL's fast shutdown: sessions are ended, nothing is waited for."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
