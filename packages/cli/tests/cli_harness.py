"""Running ``tvix`` command lines inside the test process, as a user would see them: the
``tvix`` fixture (in conftest.py) and what it answers."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from tvix_cli.main import main

__all__ = ["Result", "Tvix", "runner"]


@dataclass(frozen=True)
class Result:
    """What one command line did: its exit status and what it wrote."""

    exit_code: int
    stdout_bytes: bytes
    stderr_bytes: bytes

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8", "replace")


#: ``tvix(*argv, input=b"...")`` runs ``tvix ARGV...`` with that standard input.
Tvix = Callable[..., Result]


def runner(capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch) -> Tvix:
    """A :data:`Tvix` that calls :func:`tvix_cli.main.main` in this process.

    Output is captured as bytes, since the command writes bytes that need not be UTF-8. An
    exception other than :exc:`SystemExit` is a bug the user would see as a traceback: it is
    not caught, so the test fails with it.
    """

    def run(*argv: str, input: bytes = b"") -> Result:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(input)))
        capsysbinary.readouterr()
        try:
            main(list(argv))
            status = 0
        except SystemExit as stop:
            assert stop.code is None or isinstance(stop.code, int), stop.code
            status = stop.code or 0
        out, err = capsysbinary.readouterr()
        return Result(status, out, err)

    return run
