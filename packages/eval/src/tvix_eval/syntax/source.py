"""Source text and positions in it.

A :class:`Span` is two byte offsets into a :class:`Source`; lines and columns are computed only
when an error is printed, so the parser pays for nothing but two integers per node.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(eq=False, slots=True)
class Source:
    """One parsed text: a file, ``«string»`` for ``-E``, or ``«stdin»``.

    ``path`` is the file's absolute path, or None for text that is not a file; ``name`` is what
    error messages print. ``text`` holds the bytes decoded as UTF-8 with surrogateescape, so
    offsets count characters of that string.
    """

    name: str
    text: str
    path: str | None = None
    _line_starts: list[int] | None = field(default=None, repr=False)

    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset, as C++ Nix counts them."""
        starts = self.line_starts()
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def line_text(self, line: int) -> str:
        starts = self.line_starts()
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[start:end]


@dataclass(frozen=True, slots=True)
class Span:
    """The characters ``[start, end)`` of ``source``."""

    source: Source
    start: int
    end: int

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0]

    @property
    def column(self) -> int:
        return self.source.line_col(self.start)[1]

    def __str__(self) -> str:
        line, col = self.source.line_col(self.start)
        return f"{self.source.name}:{line}:{col}"
