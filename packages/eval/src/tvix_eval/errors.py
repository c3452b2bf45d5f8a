"""The one error hierarchy of tvix-eval.

Every error that reaches a user carries the Nix source span it is about and prints the way
C++ Nix prints it: ``error: <message>``, then ``at <file>:<line>:<col>:``, the source line
with a gutter, and a caret under the offending column.
"""

from __future__ import annotations

from tvix_eval.syntax.source import Span

__all__ = ["EvalError", "ParseError", "calling_builtin", "render_location"]


def render_location(span: Span, at_indent: str = "       ") -> str:
    """``at file:line:col:`` followed by the source line (with its neighbours) and a caret."""
    source = span.source
    line, column = source.line_col(span.start)
    indent = "       "
    out = [f"{at_indent}at {source.name}:{line}:{column}:"]
    starts = source.line_starts()
    first = max(1, line - 1)
    last = min(len(starts), line + 1)
    for number in range(first, last + 1):
        text = source.line_text(number)
        out.append(f"{indent}{number:>6}|" + (f" {text}" if text else ""))
        if number == line:
            out.append(f"{indent}{'':>6}| {' ' * (column - 1)}^")
    return "\n".join(out)


class EvalError(Exception):
    """Base of every error of the Nix language: parse errors and evaluation errors.

    ``exit_status`` is the status a command ends with on this error: 1, or as C++ Nix has
    it for a few failures (102 for a hash mismatch)."""

    exit_status = 1

    def __init__(self, message: str, span: Span | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span

    def render(self, show_trace: bool = False) -> str:
        """The whole message as C++ Nix prints it on stderr (without a trailing newline):
        no line ends in whitespace, be it in a message, a trace line or quoted source, and
        no empty line ends it."""
        text = self._compose(show_trace)
        if " \n" in text or "\t\n" in text or text.endswith((" ", "\t", "\n")):
            text = "\n".join(line.rstrip(" \t") for line in text.split("\n")).rstrip("\n")
        return text

    def _compose(self, show_trace: bool) -> str:
        if self.span is None:
            return f"error: {self.message}"
        return f"error: {self.message}\n{render_location(self.span)}"


class ParseError(EvalError):
    """The source is not Nix: a syntax error, or a check C++ Nix makes while parsing
    (duplicate attributes or formals, dynamic attributes in ``let``)."""


def calling_builtin(name: str) -> str:
    """The trace line of a call of the builtin ``name``."""
    return f"while calling the '{name}' builtin"


class TraceFrame:
    """One ``… while ...`` line of an error trace. ``frame`` is the Python frame of the
    runtime helper that added it: the compiled Nix code that called the helper gives the
    position, found only when the error is printed."""

    __slots__ = ("depth", "frame", "message", "span", "verbose")

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        frame: object = None,
        depth: int = 0,
        verbose: bool = False,
    ) -> None:
        self.message = message
        self.span = span
        self.frame = frame
        #: How many Python frames below the one that added it the error was raised: orders
        #: these lines among the ones found later from the traceback.
        self.depth = depth
        #: Shown only with ``--show-trace`` (function calls, as in C++ Nix).
        self.verbose = verbose


class NixError(EvalError):
    """An error raised while evaluating.

    Runtime helpers raise it without a position; the evaluator fills in :attr:`span` from
    the compiled code that was running (see :mod:`tvix_eval.runtime.trace`). ``frames`` are
    the ``… while ...`` lines, innermost first; ``show_trace_only`` frames appear only with
    ``--show-trace``.
    """

    #: ``builtins.tryEval`` catches this kind of error (throw, failed assert) and no other.
    catchable = False
    #: Whether the final message gets the position of the code that raised it.
    positioned = True

    def __init__(self, message: str, span: Span | None = None) -> None:
        super().__init__(message, span)
        self.frames: list[TraceFrame] = []
        self.located = span is not None
        #: Names C++ Nix suggests after the message (``Did you mean ...?``).
        self.suggestions: list[str] = []
        #: Where runtime code forced a value whose computation failed, when C++ Nix passes
        #: a position of its own there (an attribute's, for ``a.b`` and the JSON writers):
        #: ``{that code's frame: position or None}``. A Nix function the forcing called
        #: directly (a builtin's application thunk) has it as its call site.
        self.forced_at: dict[object, Span | None] | None = None

    def forced_here(self, position: Span | None, frame: object) -> None:
        """Note that the code running in ``frame`` forced the failing value at ``position``
        (see :attr:`forced_at`)."""
        if self.forced_at is None:
            self.forced_at = {}
        self.forced_at[frame] = position

    def add_trace(self, message: str, span: Span | None = None, frame: object = None) -> None:
        depth = 0
        tb = self.__traceback__
        while tb is not None:
            depth += 1
            tb = tb.tb_next
        self.frames.append(TraceFrame(message, span, frame, depth))

    def _compose(self, show_trace: bool) -> str:
        """As C++ Nix prints it: the trace (outermost first), then the error itself.

        Without ``show_trace`` the trace is cut, as C++ Nix cuts it, once four lines' worth
        were printed (a frame with a position counts two)."""
        body = "\n       ".join(self.message.split("\n"))
        tail = []
        if self.span is not None and self.positioned:
            tail.append(render_location(self.span))
        if self.suggestions:
            tail.append(f"       Did you mean {_one_of(self.suggestions)}?")
        if not any(show_trace or not frame.verbose for frame in self.frames):
            return "\n".join([f"error: {body}", *tail])
        out = ["error:"]
        printer = _TracePrinter(out)
        seen: set[tuple[str, object, int, int]] = set()
        skipped: list[TraceFrame] = []
        for frame in reversed(self.frames):
            if frame.verbose and not show_trace:
                continue
            if not show_trace and printer.weight > 3:
                out.append(
                    "       (stack trace truncated; use '--show-trace' to show the full, "
                    "detailed trace)"
                )
                out.append("")
                break
            span = frame.span
            key = (
                frame.message,
                span.source if span else None,
                span.start if span else -1,
                span.end if span else -1,
            )
            if key in seen:
                # A repeat of a line already printed waits: a few are printed when the
                # next new line comes, many become one "duplicate frames omitted" line.
                skipped.append(frame)
                continue
            seen.add(key)
            printer.skipped(skipped)
            skipped = []
            printer.frame(frame)
        printer.skipped(skipped)
        out.append(f"       error: {body}")
        return "\n".join(out + tail)


class _TracePrinter:
    """Writes trace lines as C++ Nix does, counting their weight (one per line, one more for
    a position), which is what cuts a trace without ``--show-trace``."""

    def __init__(self, out: list[str]) -> None:
        self.out = out
        self.weight = 0

    def frame(self, frame: TraceFrame) -> None:
        message = "\n       ".join(frame.message.split("\n"))
        self.out.append(f"       … {message}")
        self.weight += 1
        if frame.span is not None:
            self.out.append(render_location(frame.span, at_indent="         "))
            self.weight += 1
        self.out.append("")

    def skipped(self, frames: list[TraceFrame]) -> None:
        if len(frames) > 5:
            self.out.append(f"       ({len(frames)} duplicate frames omitted)")
            self.out.append("")
            return
        for frame in frames:
            self.frame(frame)


def _one_of(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return "one of " + ", ".join(names[:-1]) + " or " + names[-1]


class ThrownError(NixError):
    """``throw``: catchable by ``tryEval``."""

    catchable = True
    positioned = False


class AssertionFailed(NixError):
    """A failed ``assert``: catchable by ``tryEval``."""

    catchable = True


class Abort(NixError):
    """``abort``: never catchable."""

    positioned = False


class TypeMismatch(NixError):
    """A value of the wrong type (``expected a set but found an integer``)."""


class InfiniteRecursion(NixError):
    """A thunk forced while it is being forced. ``culprit`` is the thunk's computation: the
    evaluator reports the error at the Nix expression it was compiled from."""

    def __init__(self, culprit: object = None) -> None:
        super().__init__("infinite recursion encountered")
        self.culprit = culprit
