"""Fixtures shared by every package's tests: finding the reference C++ Nix; a compile cache of
the tests' own.

The reference is found as DESIGN.md says: ``NIX_ORACLE`` (a command prefix such as
``../shared/oracle/nix-oracle``), else the Nix commands on PATH. Without either, tests that
need it skip and say why.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

# tvix eval keeps compiled Nix files in a cache (tvix_eval.compile_cache): the tests, and the
# commands they start, use one of their own, not the user's.
if "TVIX_EVAL_CACHE" not in os.environ:
    import tempfile

    os.environ["TVIX_EVAL_CACHE"] = tempfile.mkdtemp(prefix="tvix-eval-cache-")


@dataclass(frozen=True)
class Oracle:
    """Runs commands of the reference C++ Nix (``nix-store``, ``nix-hash``, ``nix``...)."""

    prefix: tuple[str, ...]

    def command(self, *args: str | os.PathLike[str]) -> list[str]:
        return [*self.prefix, *map(os.fspath, args)]

    def run(
        self,
        *args: str | os.PathLike[str],
        input: bytes | None = None,
        check: bool = True,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        stdout: int | None = subprocess.PIPE,
    ) -> subprocess.CompletedProcess[bytes]:
        result = subprocess.run(
            self.command(*args),
            input=input,
            stdout=stdout,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"reference command {' '.join(map(str, args))} failed "
                f"({result.returncode}): {result.stderr.decode(errors='replace')}"
            )
        return result

    def out(self, *args: str | os.PathLike[str], input: bytes | None = None) -> str:
        """Run a command and return its stdout as stripped text."""
        return self.run(*args, input=input).stdout.decode().strip()


def find_oracle() -> Oracle | None:
    configured = os.environ.get("NIX_ORACLE")
    if configured:
        prefix = shlex.split(configured)
        if prefix and not os.path.isabs(prefix[0]) and os.sep in prefix[0]:
            prefix[0] = str(Path(prefix[0]).resolve())
        return Oracle(tuple(prefix))
    if shutil.which("nix-instantiate"):
        return Oracle(())
    return None


_ORACLE = find_oracle()


@pytest.fixture(scope="session")
def oracle() -> Oracle:
    if _ORACLE is None:
        pytest.skip("no reference C++ Nix: set NIX_ORACLE or put nix-instantiate on PATH")
    return _ORACLE


def oracle_available() -> bool:
    return _ORACLE is not None


def pytest_collection_modifyitems(items: Sequence[pytest.Item]) -> None:
    for item in items:
        if "oracle" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.oracle)
