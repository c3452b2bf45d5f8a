"""Source text and positions in it.

A :class:`Span` is two byte offsets into a :class:`Source`; lines and columns are computed only
when an error is printed, so the parser pays for nothing but two integers per node.

Plain classes rather than dataclasses, here and in the other modules every evaluation loads:
``dataclasses`` loads ``inspect``, which costs more start-up than these classes' whole code.
"""

from __future__ import annotations

import bisect
import re

_LINE_END = re.compile(r"\r\n|\r|\n")


class Source:
    """One parsed text: a file, ``«string»`` for ``-E``, or ``«stdin»``.

    ``path`` is the file's absolute path, or None for text that is not a file; ``name`` is what
    error messages print. ``text`` holds the bytes decoded as UTF-8 with surrogateescape, so
    offsets count characters of that string. Two sources are equal only if they are the same.
    """

    __slots__ = ("_line_starts", "name", "path", "text")

    def __init__(self, name: str, text: str, path: str | None = None) -> None:
        self.name = name
        self.text = text
        self.path = path
        self._line_starts: list[int] | None = None

    def __repr__(self) -> str:
        return f"Source(name={self.name!r}, path={self.path!r})"

    def line_starts(self) -> list[int]:
        """Offsets where lines start. C++ Nix ends a line at LF, CR LF or a lone CR."""
        if self._line_starts is None:
            starts = [0]
            text = self.text
            if "\r" in text:
                starts.extend(m.end() for m in _LINE_END.finditer(text))
            else:
                find = text.find
                i = find("\n")
                while i >= 0:
                    starts.append(i + 1)
                    i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset, as C++ Nix counts them: the column
        counts bytes (of the UTF-8 text), not characters."""
        starts = self.line_starts()
        line = bisect.bisect_right(starts, offset) - 1
        prefix = self.text[starts[line] : offset]
        if prefix.isascii():
            return line + 1, len(prefix) + 1
        return line + 1, len(prefix.encode("utf-8", "surrogateescape")) + 1

    def line_text(self, line: int) -> str:
        """The text of a line, without its line end."""
        starts = self.line_starts()
        start = starts[line - 1]
        end = starts[line] if line < len(starts) else len(self.text)
        text = self.text[start:end]
        if text.endswith("\n"):
            text = text[:-1]
        if text.endswith("\r"):
            text = text[:-1]
        return text


class Span:
    """The characters ``[start, end)`` of ``source``; immutable."""

    __slots__ = ("end", "source", "start")

    def __init__(self, source: Source, start: int, end: int) -> None:
        self.source = source
        self.start = start
        self.end = end

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is Span
            and self.source is other.source
            and self.start == other.start
            and self.end == other.end
        )

    def __hash__(self) -> int:
        return hash((id(self.source), self.start, self.end))

    def __repr__(self) -> str:
        return f"Span({self.source.name!r}, {self.start}, {self.end})"

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0]

    @property
    def column(self) -> int:
        return self.source.line_col(self.start)[1]

    def __str__(self) -> str:
        line, col = self.source.line_col(self.start)
        return f"{self.source.name}:{line}:{col}"
