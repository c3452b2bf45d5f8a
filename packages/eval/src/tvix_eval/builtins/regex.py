"""``match`` and ``split``: POSIX extended regular expressions, as C++ Nix runs them
(libstdc++'s ``std::regex`` with ``extended``), on the bytes of a string.

Patterns are translated to Python ``re`` patterns over bytes: ``.`` and bracket expressions
match one byte, ``$`` only the very end, stacked repetitions (``a+?``) repeat the
repetition instead of turning lazy, and what POSIX does not allow (``\\d``, a repetition with
nothing to repeat, an unclosed bracket) is an invalid regular expression.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from tvix_eval.builtins.arguments import plain_string_arg, string_arg
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError

__all__ = ["InvalidRegex", "compile_ere"]

Value = Any


class InvalidRegex(ValueError):
    """The pattern is not a POSIX extended regular expression libstdc++ accepts."""


_SPECIAL = frozenset(b"^$\\.*+?()[]{}|")

_CLASSES: dict[bytes, frozenset[int]] = {}


def _class(name: bytes, test: Any) -> None:
    _CLASSES[name] = frozenset(b for b in range(128) if test(chr(b)))


_class(b"alpha", str.isalpha)
_class(b"digit", str.isdigit)
_class(b"alnum", str.isalnum)
_class(b"upper", str.isupper)
_class(b"lower", str.islower)
_class(b"space", lambda c: c in " \t\n\r\f\v")
_class(b"blank", lambda c: c in " \t")
_class(b"punct", lambda c: c.isprintable() and not c.isalnum() and c != " ")
_class(b"print", lambda c: c.isprintable())
_class(b"graph", lambda c: c.isprintable() and c != " ")
_class(b"cntrl", lambda c: ord(c) < 32 or ord(c) == 127)
_class(b"xdigit", lambda c: c in "0123456789abcdefABCDEF")
_CLASSES[b"w"] = _CLASSES[b"alnum"] | {ord("_")}
_CLASSES[b"d"] = _CLASSES[b"digit"]
_CLASSES[b"s"] = _CLASSES[b"space"]


class _Translator:
    """Recursive descent over an ERE, producing an equivalent Python pattern."""

    def __init__(self, pattern: bytes) -> None:
        self.src = pattern
        self.pos = 0

    def peek(self) -> int | None:
        return self.src[self.pos] if self.pos < len(self.src) else None

    def translate(self) -> str:
        out = self.alternation()
        if self.pos != len(self.src):
            raise InvalidRegex("unmatched parenthesis")
        return out

    def alternation(self) -> str:
        branches = [self.concatenation()]
        while self.peek() == ord("|"):
            self.pos += 1
            branches.append(self.concatenation())
        return "|".join(branches)

    def concatenation(self) -> str:
        items = []
        while (c := self.peek()) is not None and c not in b"|)":
            atom = self.atom()
            quantified = False
            while (q := self.quantifier()) is not None:
                atom = (f"(?:{atom})" if quantified else atom) + q
                quantified = True
            items.append(atom)
        return "".join(items)

    def quantifier(self) -> str | None:
        c = self.peek()
        if c is None or c not in b"*+?{":
            return None
        self.pos += 1
        if c != ord("{"):
            return chr(c)
        end = self.src.find(b"}", self.pos)
        if end < 0:
            raise InvalidRegex("unclosed interval")
        body = self.src[self.pos : end]
        self.pos = end + 1
        low, _, high = body.partition(b",")
        if not low.isdigit() or (high and not high.isdigit()):
            raise InvalidRegex("bad interval")
        if high and int(high) < int(low):
            raise InvalidRegex("bad interval")
        return "{" + body.decode("ascii") + "}"

    def atom(self) -> str:
        c = self.src[self.pos]
        self.pos += 1
        if c == ord("("):
            inner = self.alternation()
            if self.peek() != ord(")"):
                raise InvalidRegex("unclosed group")
            self.pos += 1
            return f"({inner})"
        if c in b"*+?{":
            raise InvalidRegex("nothing to repeat")
        if c == ord("["):
            return self.bracket()
        if c == ord("\\"):
            if self.pos >= len(self.src) or self.src[self.pos] not in _SPECIAL:
                raise InvalidRegex("bad escape")
            self.pos += 1
            return _literal(self.src[self.pos - 1])
        if c == ord("."):
            return "(?s:.)"
        if c == ord("^"):
            return r"\A"
        if c == ord("$"):
            return r"\Z"
        return _literal(c)

    def bracket(self) -> str:
        negate = self.peek() == ord("^")
        if negate:
            self.pos += 1
        members: set[int] = set()
        first = True
        while True:
            c = self.peek()
            if c is None:
                raise InvalidRegex("unclosed bracket")
            if c == ord("]") and not first:
                self.pos += 1
                break
            first = False
            low = self.bracket_element(members)
            if low is None:
                continue
            if self.peek() == ord("-") and self.src[self.pos + 1 : self.pos + 2] not in (b"]", b""):
                self.pos += 1
                high = self.bracket_element(members)
                if high is None or high < low:
                    raise InvalidRegex("bad range")
                members.update(range(low, high + 1))
            else:
                members.add(low)
        if not members and not negate:
            return "(?!)"
        body = "".join(f"\\x{b:02x}" for b in sorted(members))
        return f"[{'^' if negate else ''}{body}]" if members else "(?s:.)"

    def bracket_element(self, members: set[int]) -> int | None:
        """One byte of a bracket expression, or None after a ``[:class:]`` (added to
        ``members``)."""
        c = self.src[self.pos]
        if c == ord("[") and self.src[self.pos + 1 : self.pos + 2] in (b":", b"=", b"."):
            kind = self.src[self.pos + 1 : self.pos + 2]
            end = self.src.find(kind + b"]", self.pos + 2)
            if end < 0:
                raise InvalidRegex("unclosed class")
            name = self.src[self.pos + 2 : end]
            self.pos = end + 2
            if kind == b":":
                if name not in _CLASSES:
                    raise InvalidRegex("unknown class")
                members.update(_CLASSES[name])
                return None
            if len(name) != 1:
                raise InvalidRegex("unknown collating element")
            return name[0]
        self.pos += 1
        return c


def _literal(byte: int) -> str:
    return re.escape(chr(byte)) if byte < 128 else f"\\x{byte:02x}"


@functools.lru_cache(maxsize=256)
def compile_ere(pattern: str) -> re.Pattern[bytes]:
    """The compiled form of a Nix regular expression; :class:`NixError` if invalid."""
    try:
        source = _Translator(pattern.encode("utf-8", "surrogateescape")).translate()
        return re.compile(source.encode("latin-1"))
    except (InvalidRegex, re.error, RecursionError, OverflowError):
        raise NixError(f"invalid regular expression '{pattern}'") from None


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _decode(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "surrogateescape")


@builtin("match", 2)
def match(regex: Value, text: Value) -> Value:
    pattern = compile_ere(str(plain_string_arg(regex, "match", 0)))
    found = pattern.fullmatch(_encode(str(string_arg(text, "match", 1))))
    if found is None:
        return None
    return [_decode(group) for group in found.groups()]


@builtin("split", 2)
def split(regex: Value, text: Value) -> list[Value]:
    pattern = compile_ere(str(plain_string_arg(regex, "split", 0)))
    value = string_arg(text, "split", 1)
    data = _encode(str(value))
    result: list[Value] = []
    last = 0
    for found in pattern.finditer(data):
        result.append(_decode(data[last : found.start()]))
        result.append([_decode(group) for group in found.groups()])
        last = found.end()
    if not result:
        return [value]
    result.append(_decode(data[last:]))
    return result
