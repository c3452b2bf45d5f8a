"""A compiled Nix file: what :mod:`tvix_eval.compiler` produces, the compile cache stores, and
the evaluator runs.

Kept apart from the compiler so that running a file loaded from the compile cache does not
load the compiler (nor Python's ``ast``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import CellType, CodeType, FunctionType
from typing import Any

from tvix_eval.runtime.calls import DEPTH
from tvix_eval.syntax.source import Source, Span
from tvix_eval.value import LAMBDAS, LambdaInfo

__all__ = ["CompiledFile", "Region", "entry_point", "register_lambdas"]

#: A compiled file's code defines this function, which defines ``main`` inside it: only
#: nested functions can share variables (``DEPTH``) through closure cells.
OUTER = "outer"

#: The cells compiled code closes over, by variable name: the same for every file.
CELLS: dict[str, CellType] = {"DEPTH": DEPTH}


class CompiledFile:
    """The code of a file, the values its code reads as globals (``constants``), its
    lambdas' descriptions by function name, and its trace regions. (Plain classes here: see
    :mod:`tvix_eval.syntax.source` on start-up.)"""

    __slots__ = ("code", "constants", "lambdas", "regions", "source")

    def __init__(
        self,
        code: CodeType,
        source: Source,
        constants: dict[str, object],
        lambdas: dict[str, LambdaInfo],
        regions: list[Region],
    ) -> None:
        self.code = code
        self.source = source
        self.constants = constants
        self.lambdas = lambdas
        self.regions = regions


class Region:
    """An error raised while evaluating the characters ``[start, end)`` gets the trace line
    ``message`` at ``span`` (see :mod:`tvix_eval.runtime.trace`); immutable."""

    __slots__ = ("end", "message", "span", "start")

    def __init__(self, start: int, end: int, message: str, span: Span) -> None:
        self.start = start
        self.end = end
        self.message = message
        self.span = span

    def __repr__(self) -> str:
        return f"Region({self.start}, {self.end}, {self.message!r})"


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


def entry_point(compiled: CompiledFile, namespace: dict[str, Any]) -> Callable[[], Any]:
    """The file's ``main()``, which computes its value: its code run in ``namespace`` (its
    globals), closing over the runtime's :data:`CELLS` rather than fresh ones."""
    exec(compiled.code, namespace)
    outer = namespace.pop(OUTER)
    main = next(
        c for c in outer.__code__.co_consts if isinstance(c, CodeType) and c.co_name == "main"
    )
    closure = tuple(CELLS[name] for name in main.co_freevars)
    return FunctionType(main, namespace, "main", None, closure or None)
