"""Map a Python traceback through compiled Nix code back to Nix source positions.

The compiler encodes each node's Nix span in its Python position (``lineno`` = start offset
+ 1, ``end_lineno`` = end offset + 1) and names each code object's file ``<nix>NAME``. The
instruction a compiled frame was executing when an error passed through it therefore tells
the Nix span of the operation, at no cost until an error happens.
"""

from __future__ import annotations

import itertools
from types import CodeType, FrameType, TracebackType
from typing import Any

from tvix_eval.errors import TraceFrame
from tvix_eval.syntax.source import Source, Span
from tvix_eval.value import LAMBDAS, Thunk

#: How the code file names of compiled Nix start.
PREFIX = "<nix>"

#: Sources of compiled code, by the file name their code objects carry.
SOURCES: dict[str, Source] = {}
#: Trace regions of compiled code (see :class:`tvix_eval.compiled.Region`), by file name.
REGIONS: dict[str, list[Any]] = {}


def register_source(source: Source, key: str | None = None) -> str:
    """The code file name for ``source``, unique even when two sources share a name: made
    from the compile cache's ``key`` when there is one (compiled code cached under it carries
    that name), else from a counter."""
    name = f"{PREFIX}{source.name}#{key[:16] if key else len(SOURCES)}"
    SOURCES[name] = source
    return name


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


_EXTENTS: dict[CodeType, tuple[int, int]] = {}


def _extent(code: CodeType) -> tuple[int, int]:
    """The Nix characters compiled code was made from: from its first position to the
    furthest end of any of its instructions' positions."""
    extent = _EXTENTS.get(code)
    if extent is None:
        start = code.co_firstlineno - 1
        ends = [end for _, end, _, _ in code.co_positions() if end is not None]
        extent = _EXTENTS[code] = (start, max(ends, default=start + 1) - 1)
    return extent


def region_frames(tb: TracebackType | None) -> list[TraceFrame]:
    """The ``… while evaluating a branch condition``-style lines of every compiled frame on
    the traceback that was evaluating inside a trace region, innermost first.

    A frame whose own code lies inside the region is a thunk or lambda made there: the
    region belongs to the frame that contains it, so only that one counts. (A thunk that
    merely starts where the region does, ``(f x) // y`` passed as an argument, contains it.)"""
    result: list[TraceFrame] = []
    entries: list[TracebackType] = []
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    total = len(entries)
    for index, entry in enumerate(entries):
        code = entry.tb_frame.f_code
        regions = REGIONS.get(code.co_filename)
        if not regions:
            continue
        span = span_at(code, entry.tb_lasti)
        if span is None:
            continue
        own, own_end = _extent(code)
        hits = [
            r
            for r in regions
            if r.start <= span.start
            and span.end <= r.end
            and not (r.start <= own and own_end <= r.end)
        ]
        hits.sort(key=lambda r: r.end - r.start, reverse=True)
        for r in hits:
            result.append(TraceFrame(r.message, r.span, depth=total - index))
    result.reverse()
    return result


#: Code of builtins that force values as C++ Nix's ``forceValueDeep`` does (``deepSeq``,
#: ``--strict``): a call they cause has the position C++ Nix determines for the value.
DEEP_FORCERS: set[CodeType] = set()
#: Code of the thunks of builtins that C++ Nix represents as applications of a function
#: (``mapAttrs``): each has the function in its local ``fn`` and, in ``ready``, whether it
#: was evaluated before the thunk was forced, which decides the position C++ Nix
#: determines for the application (see :func:`function_position`).
APPLICATIONS: set[CodeType] = set()
#: The files of the modules that define builtins, filled as builtin sets register them
#: (:class:`tvix_eval.builtins.registry.BuiltinSet`): a call made by their code has no call
#: site, as in C++ Nix, where builtins get no position of their own.
BUILTIN_FILES: set[str] = set()
_MISSING: Any = object()


def call_frames(
    tb: TracebackType | None,
    forced_at: dict[object, Span | None] | None = None,
) -> list[TraceFrame]:
    """``while calling 'f'`` and ``from call site`` for every Nix function call on the
    traceback, innermost first; shown with ``--show-trace``. A call refused as it starts
    has no "while calling" line, C++ Nix not having entered the function: one refused for
    its argument keeps its call site, shown even without ``--show-trace``; one refused for
    the call depth has neither line (the error is the call site's).

    The call site is where Nix code made the call (or forced the thunk that made it). A
    call made by Python code has the position C++ Nix gives there: where runtime code
    forced the value at a position of its own (``forced_at``, see
    :attr:`NixError.forced_at`: a selected attribute's, the JSON writers'); none from a
    builtin; else, for deep forcing and what the command line does, the position C++ Nix
    determines for the value (the function's)."""
    from tvix_eval.runtime.calls import REFUSED, REFUSED_WITH_CALL_SITE  # (calls imports this)

    entries: list[TracebackType] = []
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    calls: list[list[TraceFrame]] = []  # outermost call first
    caller: Span | None = None
    # What Python code did since the last Nix code (or since the start).
    builtin = deep = False
    determined = written = _MISSING
    total = len(entries)
    for index, entry in enumerate(entries):
        frame = entry.tb_frame
        code = frame.f_code
        if forced_at is not None and frame in forced_at:
            written = forced_at[frame]
        if code in DEEP_FORCERS:
            deep = True
        elif code in APPLICATIONS:
            ready = frame.f_locals.get("ready")
            determined = function_position(frame.f_locals.get("fn")) if ready else None
        elif code.co_filename in BUILTIN_FILES:
            builtin = True
        info = LAMBDAS.get(code)
        inside = entry.tb_next.tb_frame.f_code if entry.tb_next is not None else None
        if info is not None:
            depth = total - index
            name = f"'{info.name}'" if info.name else "anonymous lambda"
            if written is not _MISSING:
                site = written
            elif caller is not None and not (builtin or deep):
                site = caller
            elif deep or caller is None:
                site = info.span if determined is _MISSING else determined
            else:
                site = None
            entered = inside not in REFUSED
            call = []
            if entered:
                calling = f"while calling {name}"
                call.append(TraceFrame(calling, info.span, depth=depth, verbose=True))
            if site is not None and (entered or inside in REFUSED_WITH_CALL_SITE):
                # Printed first, so second: the lines go innermost first. C++ Nix shows a
                # refused argument's call site even without --show-trace.
                call.append(TraceFrame("from call site", site, depth=depth, verbose=entered))
            calls.append(call)
        span = span_at(code, entry.tb_lasti)
        if span is not None or info is not None:
            if span is not None:
                caller = span
            builtin = deep = False
            determined = written = _MISSING
    return [frame for call in reversed(calls) for frame in call]


def function_position(fn: Any) -> Span | None:
    """Where C++ Nix says a builtin's application of ``fn`` is, when it forces one without a
    position of its own (its ``determinePos``), if ``fn`` was evaluated by then (a function
    written as an argument is a thunk there until its first call; none otherwise): where
    the Nix function was defined."""
    if type(fn) is Thunk:
        if fn.fn is not None:
            return None
        fn = fn.value
    info = LAMBDAS.get(getattr(fn, "__code__", None))  # type: ignore[arg-type]
    return info.span if info is not None else None


def caller_span(frame: FrameType | None) -> Span | None:
    """The Nix span at which the nearest compiled frame above ``frame`` was executing."""
    while frame is not None:
        span = span_at(frame.f_code, frame.f_lasti)
        if span is not None:
            return span
        frame = frame.f_back
    return None
