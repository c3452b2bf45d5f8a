"""A compiled Nix file: what :mod:`tvix_eval.compiler` produces, the compile cache stores, and
the evaluator runs.

Kept apart from the compiler so that running a file loaded from the compile cache does not
load the compiler (nor Python's ``ast``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from types import CodeType

from tvix_eval.syntax.source import Source, Span
from tvix_eval.value import LAMBDAS, LambdaInfo

__all__ = ["PREFIX", "CompiledFile", "Region", "register_lambdas"]

#: How the code file names of compiled Nix start (see :mod:`tvix_eval.runtime.trace`).
PREFIX = "<nix>"


@dataclass
class CompiledFile:
    code: CodeType
    source: Source
    constants: dict[str, object]
    lambdas: dict[str, LambdaInfo] = field(default_factory=dict)
    #: Trace regions: an error raised while evaluating the characters ``[start, end)``
    #: gets the line ``message`` at ``span`` (see :mod:`tvix_eval.runtime.trace`).
    regions: list[Region] = field(default_factory=list)


@dataclass(frozen=True)
class Region:
    start: int
    end: int
    message: str
    span: Span


def register_lambdas(compiled: CompiledFile) -> None:
    """Tell the runtime which code objects are which Nix lambdas (:data:`LAMBDAS`)."""
    infos = compiled.lambdas
    for sub in _code_objects(compiled.code):
        if sub.co_name in infos:
            LAMBDAS[sub] = infos[sub.co_name]


def _code_objects(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _code_objects(const)
