"""Map a Python traceback through compiled Nix code back to Nix source positions.

The compiler encodes each node's Nix span in its Python position (``lineno`` = start offset
+ 1, ``end_lineno`` = end offset + 1) and names each code object's file ``<nix>NAME``. The
instruction a compiled frame was executing when an error passed through it therefore tells
the Nix span of the operation, at no cost until an error happens.
"""

from __future__ import annotations

import itertools
from types import CodeType, FrameType, TracebackType

from tvix_eval.compiler import PREFIX
from tvix_eval.syntax.source import Source, Span

#: Sources of compiled code, by the file name their code objects carry.
SOURCES: dict[str, Source] = {}


def register_source(source: Source) -> str:
    """The code file name for ``source``, unique even when two sources share a name."""
    key = f"{PREFIX}{source.name}#{len(SOURCES)}"
    SOURCES[key] = source
    return key


def span_at(code: CodeType, lasti: int) -> Span | None:
    source = SOURCES.get(code.co_filename)
    if source is None:
        return None
    positions = next(itertools.islice(code.co_positions(), lasti // 2, None), None)
    if positions is None or positions[0] is None or positions[1] is None:
        return None
    return Span(source, positions[0] - 1, positions[1] - 1)


def span_of_function(fn: object) -> Span | None:
    """The Nix span a compiled thunk or lambda was made from."""
    code = getattr(fn, "__code__", None)
    if not isinstance(code, CodeType):
        return None
    source = SOURCES.get(code.co_filename)
    if source is None:
        return None
    # Set-up instructions (cells, RESUME) carry the function's own position, which the
    # compiler may have set to the binding's definition; the body's first position is the
    # expression's.
    own = code.co_firstlineno
    fallback = None
    for start, end, _, _ in code.co_positions():
        if start is None or end is None or start <= 0:
            continue
        if start != own:
            return Span(source, start - 1, end - 1)
        fallback = fallback or Span(source, start - 1, end - 1)
    return fallback


def definition_span(fn: object) -> Span | None:
    """Where the binding a compiled thunk belongs to is defined (its code's first line)."""
    code = getattr(fn, "__code__", None)
    if not isinstance(code, CodeType):
        return None
    source = SOURCES.get(code.co_filename)
    if source is None:
        return None
    start = code.co_firstlineno - 1
    return Span(source, start, start + 1)


def innermost_span(tb: TracebackType | None) -> Span | None:
    """The Nix span of the innermost compiled frame on a traceback."""
    found = None
    while tb is not None:
        span = span_at(tb.tb_frame.f_code, tb.tb_lasti)
        if span is not None:
            found = span
        tb = tb.tb_next
    return found


def caller_span(frame: FrameType | None) -> Span | None:
    """The Nix span at which the nearest compiled frame above ``frame`` was executing."""
    while frame is not None:
        span = span_at(frame.f_code, frame.f_lasti)
        if span is not None:
            return span
        frame = frame.f_back
    return None
