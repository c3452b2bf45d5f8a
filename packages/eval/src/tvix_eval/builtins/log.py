"""What builtins print on stderr (``trace``, ``warn``...), filtered as C++ Nix's logger
filters everything it writes there.

Tabs are expanded to the next multiple of 8 columns, counted in characters from the start of
the message (newlines neither count nor reset the count); carriage returns and bells are
dropped; terminal escape sequences (CSI, OSC and two-character ones) are removed, except
colours (``ESC [ ... m``) when stderr is a terminal that takes them. Messages written by Nix
code (``throw``, ``trace``, nixpkgs' module errors) hold such sequences.
"""

from __future__ import annotations

import os
import sys

__all__ = ["log", "stderr_takes_colours", "terminal_filter"]

_SPECIAL = frozenset("\t\r\a\x1b")


def stderr_takes_colours() -> bool:
    """Whether C++ Nix would keep colours on this process's stderr: a terminal, ``TERM`` set
    and not ``dumb``, neither ``NO_COLOR`` nor ``NOCOLOR`` set."""
    try:
        tty = os.isatty(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    term = os.environ.get("TERM", "dumb")
    return tty and term != "dumb" and "NO_COLOR" not in os.environ and "NOCOLOR" not in os.environ


def terminal_filter(text: str, colours: bool = False) -> str:
    """``text`` as C++ Nix writes it to stderr (``colours``: a terminal that takes them)."""
    if _SPECIAL.isdisjoint(text):
        return text
    out: list[str] = []
    column = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\x1b":
            end, colour = _escape_sequence(text, i)
            if colours and colour:
                out.append(text[i:end])
            i = end
            continue
        i += 1
        if c == "\t":
            out.append(" ")
            column += 1
            while column % 8:
                out.append(" ")
                column += 1
        elif c == "\r" or c == "\a":
            continue
        else:
            out.append(c)
            if c != "\n":
                column += 1
    return "".join(out)


def _escape_sequence(text: str, start: int) -> tuple[int, bool]:
    """Where the escape sequence at ``start`` ends, and whether it sets colours (a CSI
    sequence ending in ``m``). Cut as C++ Nix cuts it, a sequence broken off included."""
    n = len(text)
    i = start + 1
    if i < n and text[i] == "[":
        i += 1
        while i < n and "\x30" <= text[i] <= "\x3f":
            i += 1
        while i < n and "\x20" <= text[i] <= "\x2f":
            i += 1
        if i < n and "\x40" <= text[i] <= "\x7e":
            return i + 1, text[i] == "m"
        return i, False
    if i < n and text[i] == "]":
        # up to the next escape, which starts a sequence of its own (``ESC \\`` ends an OSC
        # sequence, and is one); a bell does not end it, as it would on a terminal
        end = text.find("\x1b", i + 1)
        return (n if end < 0 else end), False
    if i < n and "\x40" <= text[i] <= "\x5f":
        i += 1
    return i, False


def log(text: str) -> None:
    """Write one message (and a newline) to stderr, bytes as they are."""
    line = terminal_filter(text, stderr_takes_colours()) + "\n"
    stream = sys.stderr
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(line.encode("utf-8", "surrogateescape"))
        buffer.flush()
    else:
        stream.write(line)
