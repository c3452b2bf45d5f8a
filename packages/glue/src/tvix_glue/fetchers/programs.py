"""Running the version control programs fetchers use (``git``, ``hg``): their output, or one
error in C++ Nix's words with what the program said."""

from __future__ import annotations

import os
import subprocess
from urllib.parse import unquote, urlsplit

from tvix_eval.errors import NixError

__all__ = ["ProgramFailed", "local_path", "run_program"]


class ProgramFailed(NixError):
    """A program a fetcher runs failed (or is not installed)."""


def run_program(
    program: str, args: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None
) -> str:
    """``program``'s standard output, run with ``args`` and ``env`` added to ours."""
    try:
        done = subprocess.run(
            [program, *args],
            cwd=cwd,
            capture_output=True,
            env={**os.environ, **(env or {})},
            check=False,
        )
    except FileNotFoundError:
        raise ProgramFailed(f"cannot run '{program}': it is not installed") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip()
        raise ProgramFailed(
            f"program '{program}' failed: {said or f'exit status {done.returncode}'}"
        )
    return done.stdout.decode("utf-8", "surrogateescape")


def local_path(url: str) -> str | None:
    """The folder a ``file://`` URL (or, for git, an absolute path) names; None for others."""
    if url.startswith("/"):
        return url
    split = urlsplit(url)
    if split.scheme == "file" and not split.netloc:
        return unquote(split.path)
    return None
