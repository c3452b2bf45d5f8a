"""Virtual environments holding exactly a generator's pinned tools, made once and kept.

An environment counts only once everything in it is installed (a marker file, written last):
one interrupted half way — CI cancelled, a session stopped — is made again on the next run
instead of being taken for a complete one.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import venv
from collections.abc import Sequence
from pathlib import Path

__all__ = ["pinned_python"]

_COMPLETE = ".complete"


def pinned_python(kind: str, pins: Sequence[str]) -> Path:
    """The Python of the environment for ``pins`` (made on first use), under
    ``$XDG_CACHE_HOME/tvix-py/<kind>-<hash of the pins>``."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    key = hashlib.sha256("\n".join(pins).encode()).hexdigest()[:12]
    env_dir = cache / "tvix-py" / f"{kind}-{key}"
    python = env_dir / "bin" / "python"
    if not (env_dir / _COMPLETE).exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *pins], check=True)
        (env_dir / _COMPLETE).write_text("\n".join(pins) + "\n")
    return python
