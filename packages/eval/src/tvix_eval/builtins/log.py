"""What builtins print on stderr (``trace``, ``warn``...), filtered as C++ Nix's logger
filters it: tabs expanded to the next multiple of 8 columns (newlines do not reset the
count), carriage returns and bells dropped."""

from __future__ import annotations

import sys

__all__ = ["log", "terminal_filter"]


def terminal_filter(text: str) -> str:
    if "\t" not in text and "\r" not in text and "\a" not in text:
        return text
    out: list[str] = []
    count = 0
    for c in text:
        if c == "\t":
            out.append(" ")
            count += 1
            while count % 8:
                out.append(" ")
                count += 1
        elif c in "\r\a":
            continue
        else:
            out.append(c)
            if c != "\n":
                count += 1 if c.isascii() else len(c.encode("utf-8", "surrogateescape"))
    return "".join(out)


def log(text: str) -> None:
    """Write one message (and a newline) to stderr, bytes as they are."""
    line = terminal_filter(text) + "\n"
    stream = sys.stderr
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(line.encode("utf-8", "surrogateescape"))
        buffer.flush()
    else:
        stream.write(line)
