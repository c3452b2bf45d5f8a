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

__all__ = ["Ere", "InvalidRegex", "compile_ere"]

Value = Any


class InvalidRegex(ValueError):
    """The pattern is not a POSIX extended regular expression libstdc++ accepts."""


#: What a backslash may escape in an extended expression (libstdc++'s list).
_SPECIAL = frozenset(b".[\\()*+?{|^$")

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
                if self.peek() == ord("-") and self.src[self.pos + 1 : self.pos + 2] != b"]":
                    raise InvalidRegex("a class cannot start a range")
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


class Ere:
    """A compiled Nix regular expression.

    Searching (``split``) takes, at the leftmost position where the expression matches, the
    longest match, as POSIX (and libstdc++) do; Python's ``re`` takes the first alternative
    that matches. The two differ only with ``|``, so only then is the match extended.
    """

    def __init__(self, regex: re.Pattern[bytes], source: str) -> None:
        self.regex = regex
        self.alternation = "|" in source
        self.anchored_end = "\\Z" in source
        self.width = _max_width(source)

    def longest(self, data: bytes, found: re.Match[bytes]) -> re.Match[bytes]:
        if not self.alternation or self.anchored_end:
            return found
        start = found.start()
        last = len(data) if self.width is None else min(len(data), start + self.width)
        for end in range(last, found.end(), -1):
            longer = self.regex.fullmatch(data, start, end)
            if longer is not None:
                return longer
        return found

    def search(self, data: bytes, start: int) -> re.Match[bytes] | None:
        found = self.regex.search(data, start)
        return None if found is None else self.longest(data, found)

    def non_empty_at(self, data: bytes, start: int) -> re.Match[bytes] | None:
        found = self.regex.match(data, start)
        if found is not None:
            found = self.longest(data, found)
            if found.end() > start:
                return found
        return None

    def matches(self, data: bytes) -> list[re.Match[bytes]]:
        """Every match, as ``std::regex_iterator`` steps: after an empty match, a non-empty
        one at the same place, else the search goes on one byte further."""
        result = []
        found = self.search(data, 0)
        while found is not None:
            result.append(found)
            start, end = found.span()
            if start == end:
                if end == len(data):
                    break
                again = self.non_empty_at(data, end)
                if again is not None:
                    found = again
                    continue
                end += 1
            found = self.search(data, end)
        return result


def _max_width(source: str) -> int | None:
    """The longest text the expression can match, None if unbounded."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        high = _parser.parse(source.encode("latin-1")).getwidth()[1]
    except Exception:
        return None
    return None if high >= _parser.MAXREPEAT else int(high)


@functools.lru_cache(maxsize=256)
def compile_ere(pattern: str) -> Ere:
    """The compiled form of a Nix regular expression; :class:`NixError` if invalid."""
    try:
        source = _Translator(pattern.encode("utf-8", "surrogateescape")).translate()
        return Ere(re.compile(source.encode("latin-1")), source)
    except (InvalidRegex, re.error, RecursionError, OverflowError):
        raise NixError(f"invalid regular expression '{pattern}'") from None


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _decode(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "surrogateescape")


@builtin("match", 2)
def match(regex: Value, text: Value) -> Value:
    pattern = compile_ere(str(plain_string_arg(regex, "match", 0)))
    found = pattern.regex.fullmatch(_encode(str(string_arg(text, "match", 1))))
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
    for found in pattern.matches(data):
        result.append(_decode(data[last : found.start()]))
        result.append([_decode(group) for group in found.groups()])
        last = found.end()
    if not result:
        return [value]
    result.append(_decode(data[last:]))
    return result
