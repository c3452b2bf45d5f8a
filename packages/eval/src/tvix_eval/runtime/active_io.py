"""The I/O of the evaluation running on this thread.

Builtins that read files and the operators that copy paths into the store reach the
evaluation's :class:`~tvix_eval.io.EvalIO` here. Each evaluation runs on a thread of its own
(see :func:`tvix_eval.evaluator.run_with_big_stack`) and installs its evaluator's I/O on
entry, so evaluators with different I/O (a store-backed one from tvix-glue, the plain local
one) can live in one process, even evaluating at the same time, without seeing each
other's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tvix_eval.io import EvalIO, LocalIO
from tvix_eval.value import NixPath

__all__ = ["active_io", "copy_path", "using_io"]

_LOCAL = threading.local()
#: What code outside any evaluation gets (a builtin called directly from Python).
_OUTSIDE = LocalIO()


def active_io() -> EvalIO:
    io: EvalIO | None = getattr(_LOCAL, "io", None)
    return _OUTSIDE if io is None else io


@contextmanager
def using_io(io: EvalIO) -> Iterator[None]:
    """Make ``io`` this thread's evaluation I/O for the ``with`` block (nesting restores
    the outer one)."""
    outer = getattr(_LOCAL, "io", None)
    _LOCAL.io = io
    try:
        yield
    finally:
        _LOCAL.io = outer


def copy_path(path: NixPath) -> str:
    """Copy a path value into the store, as a path put into a string is."""
    return active_io().copy_to_store(path.path)
