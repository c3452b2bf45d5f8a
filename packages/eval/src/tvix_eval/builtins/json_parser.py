"""A JSON reader that accepts, refuses and reports exactly as C++ Nix's (nlohmann::json's
SAX parser, driven by Nix): the same values, and for bad input the same message, line,
column and "last read" text, character for character."""

from __future__ import annotations

import math
from typing import Any, Final

from tvix_eval.builtins.registry import builtins_helper_module
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops

__all__ = ["JSONParseError", "parse_json"]

builtins_helper_module(__file__)

Value = Any

EOF: Final = -1

# Token kinds, named as nlohmann's messages name them.
BEGIN_ARRAY, END_ARRAY, BEGIN_OBJECT, END_OBJECT = "'['", "']'", "'{'", "'}'"
NAME_SEPARATOR, VALUE_SEPARATOR = "':'", "','"
TRUE, FALSE, NULL = "true literal", "false literal", "null literal"
STRING, UNSIGNED, INTEGER, FLOAT = "string literal", "unsigned", "integer", "float"
PARSE_ERROR, END_OF_INPUT = "<parse error>", "end of input"
LITERAL_OR_VALUE, UNINITIALIZED = "'[', '{', or a literal", "<uninitialized>"

_NUMBERS = (UNSIGNED, INTEGER, FLOAT)

_CONTROL_NAMES = (
    ("NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR"),
    ("SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB"),
    ("ESC", "FS", "GS", "RS", "US"),
)
_CONTROL_NAME = [name for group in _CONTROL_NAMES for name in group]
_SHORT_ESCAPES = {8: "b", 9: "t", 10: "n", 12: "f", 13: "r"}
_ESCAPES = {
    ord('"'): '"',
    ord("\\"): "\\",
    ord("/"): "/",
    ord("b"): "\b",
    ord("f"): "\f",
    ord("n"): "\n",
    ord("r"): "\r",
    ord("t"): "\t",
}
# Continuation byte ranges after each UTF-8 lead byte (RFC 3629 well-formed sequences).
_UTF8: dict[int, tuple[tuple[int, int], ...]] = {}
for _lead in range(0xC2, 0xE0):
    _UTF8[_lead] = ((0x80, 0xBF),)
_UTF8[0xE0] = ((0xA0, 0xBF), (0x80, 0xBF))
for _lead in [*range(0xE1, 0xED), 0xEE, 0xEF]:
    _UTF8[_lead] = ((0x80, 0xBF), (0x80, 0xBF))
_UTF8[0xED] = ((0x80, 0x9F), (0x80, 0xBF))
_UTF8[0xF0] = ((0x90, 0xBF), (0x80, 0xBF), (0x80, 0xBF))
for _lead in range(0xF1, 0xF4):
    _UTF8[_lead] = ((0x80, 0xBF), (0x80, 0xBF), (0x80, 0xBF))
_UTF8[0xF4] = ((0x80, 0x8F), (0x80, 0xBF), (0x80, 0xBF))


def _control_message(c: int) -> str:
    short = _SHORT_ESCAPES.get(c)
    alternative = f" or \\{short}" if short else ""
    return (
        f"invalid string: control character U+{c:04X} ({_CONTROL_NAME[c]}) must be escaped "
        f"to \\u{c:04X}{alternative}"
    )


class JSONParseError(NixError):
    """Input that is not JSON: ``tryEval`` does not catch it."""


class _Lexer:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.index = 0
        self.current = EOF
        self.next_unget = False
        self.total = 0
        self.line_chars = 0
        self.lines = 0
        self.token_string = bytearray()
        self.buffer = bytearray()
        self.error_message = ""
        self.value: Any = None

    def get(self) -> int:
        self.total += 1
        self.line_chars += 1
        if self.next_unget:
            self.next_unget = False
        elif self.index < len(self.data):
            self.current = self.data[self.index]
            self.index += 1
        else:
            self.current = EOF
        if self.current != EOF:
            self.token_string.append(self.current)
        if self.current == 10:
            self.lines += 1
            self.line_chars = 0
        return self.current

    def unget(self) -> None:
        self.next_unget = True
        self.total -= 1
        if self.line_chars == 0:
            if self.lines > 0:
                self.lines -= 1
        else:
            self.line_chars -= 1
        if self.current != EOF:
            self.token_string.pop()

    def reset(self) -> None:
        self.buffer.clear()
        self.token_string.clear()
        self.token_string.append(self.current)

    def token_text(self) -> str:
        out = []
        for c in self.token_string.decode("latin-1"):
            out.append(f"<U+{ord(c):04X}>" if ord(c) <= 0x1F else c)
        return "".join(out).encode("latin-1").decode("utf-8", "surrogateescape")

    def position(self) -> str:
        return f"line {self.lines + 1}, column {self.line_chars}"

    def error(self, message: str) -> str:
        self.error_message = message
        return PARSE_ERROR

    def scan(self) -> str:
        if self.total == 0 and not self.skip_bom():
            return self.error("invalid BOM; must be 0xEF 0xBB 0xBF if given")
        c = self.get()
        while c in (32, 9, 10, 13):
            c = self.get()
        structural = {91: BEGIN_ARRAY, 93: END_ARRAY, 123: BEGIN_OBJECT, 125: END_OBJECT}
        if c in structural:
            return structural[c]
        if c == 58:
            return NAME_SEPARATOR
        if c == 44:
            return VALUE_SEPARATOR
        if c == 116:
            return self.literal(b"true", TRUE)
        if c == 102:
            return self.literal(b"false", FALSE)
        if c == 110:
            return self.literal(b"null", NULL)
        if c == 34:
            return self.string()
        if c == 45 or 48 <= c <= 57:
            return self.number()
        if c in (0, EOF):
            return END_OF_INPUT
        return self.error("invalid literal")

    def skip_bom(self) -> bool:
        if self.get() == 0xEF:
            return self.get() == 0xBB and self.get() == 0xBF
        self.unget()
        return True

    def literal(self, text: bytes, kind: str) -> str:
        for expected in text[1:]:
            if self.get() != expected:
                return self.error("invalid literal")
        return kind

    def string(self) -> str:
        self.reset()
        out = self.buffer
        while True:
            c = self.get()
            if c == EOF:
                return self.error("invalid string: missing closing quote")
            if c == 34:
                self.value = _nix_string(out.decode("utf-8", "surrogateescape"))
                return STRING
            if c == 92:
                c = self.get()
                if c in _ESCAPES:
                    out += _ESCAPES[c].encode()
                elif c == 117:
                    code = self.codepoint()
                    if code is None:
                        return self.error("invalid string: '\\u' must be followed by 4 hex digits")
                    if 0xD800 <= code <= 0xDBFF:
                        if not (self.get() == 92 and self.get() == 117):
                            return self.error(
                                "invalid string: surrogate U+D800..U+DBFF must be followed by "
                                "U+DC00..U+DFFF"
                            )
                        low = self.codepoint()
                        if low is None:
                            return self.error(
                                "invalid string: '\\u' must be followed by 4 hex digits"
                            )
                        if not 0xDC00 <= low <= 0xDFFF:
                            return self.error(
                                "invalid string: surrogate U+D800..U+DBFF must be followed by "
                                "U+DC00..U+DFFF"
                            )
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    elif 0xDC00 <= code <= 0xDFFF:
                        return self.error(
                            "invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF"
                        )
                    out += chr(code).encode("utf-8")
                else:
                    return self.error("invalid string: forbidden character after backslash")
            elif c <= 0x1F:
                return self.error(_control_message(c))
            elif c < 0x80:
                out.append(c)
            else:
                ranges = _UTF8.get(c)
                if ranges is None:
                    return self.error("invalid string: ill-formed UTF-8 byte")
                out.append(c)
                for low, high in ranges:
                    c = self.get()
                    if not low <= c <= high:
                        return self.error("invalid string: ill-formed UTF-8 byte")
                    out.append(c)

    def codepoint(self) -> int | None:
        code = 0
        for _ in range(4):
            c = self.get()
            digit = chr(c) if 0 <= c < 128 else ""
            if digit not in "0123456789abcdefABCDEF" or not digit:
                return None
            code = code * 16 + int(digit, 16)
        return code

    def number(self) -> str:
        self.reset()
        buf = self.buffer
        c = self.current
        kind = UNSIGNED
        buf.append(c)
        if c == 45:
            kind = INTEGER
            c = self.get()
            if not 48 <= c <= 57:
                return self.error("invalid number; expected digit after '-'")
            buf.append(c)
        if c != 48:
            c = self.get()
            while 48 <= c <= 57:
                buf.append(c)
                c = self.get()
        else:
            c = self.get()
        if c == 46:
            kind = FLOAT
            buf.append(c)
            c = self.get()
            if not 48 <= c <= 57:
                return self.error("invalid number; expected digit after '.'")
            while 48 <= c <= 57:
                buf.append(c)
                c = self.get()
        if c in (101, 69):
            kind = FLOAT
            buf.append(c)
            c = self.get()
            if c in (43, 45):
                buf.append(c)
                c = self.get()
                if not 48 <= c <= 57:
                    return self.error("invalid number; expected digit after exponent sign")
            elif not 48 <= c <= 57:
                return self.error("invalid number; expected '+', '-', or digit after exponent")
            while 48 <= c <= 57:
                buf.append(c)
                c = self.get()
        self.unget()
        text = buf.decode("ascii")
        if kind == UNSIGNED and int(text) < 2**64:
            self.value = int(text)
            return UNSIGNED
        if kind == INTEGER and int(text) >= -(2**63):
            self.value = int(text)
            return INTEGER
        try:
            self.value = float(text)
        except OverflowError:  # pragma: no cover - float() returns inf instead
            self.value = math.inf
        return FLOAT


def _expected(lexer: _Lexer, last: str, expected: str, context: str) -> JSONParseError:
    message = "syntax error "
    if context:
        message += f"while parsing {context} "
    message += "- "
    if last == PARSE_ERROR:
        message += f"{lexer.error_message}; last read: '{lexer.token_text()}'"
    else:
        message += f"unexpected {_name(last)}"
    if expected != UNINITIALIZED:
        message += f"; expected {expected}"
    return _parse_error(lexer, message)


def _name(kind: str) -> str:
    return "number literal" if kind in _NUMBERS else kind


def _parse_error(lexer: _Lexer, message: str) -> JSONParseError:
    return JSONParseError(
        f"[json.exception.parse_error.101] parse error at {lexer.position()}: {message}"
    )


def parse_json(text: str) -> Value:
    """The Nix value of a JSON text, or :class:`JSONParseError` as C++ Nix words it."""
    try:
        return _parse(text.encode("utf-8", "surrogateescape"))
    except JSONParseError as e:
        e.add_trace("while decoding a JSON string")
        raise


def _parse(data: bytes) -> Value:
    lexer = _Lexer(data)
    # Containers being filled: lists, and objects (:class:`_Object`).
    stack: list[Any] = []
    token = lexer.scan()
    while True:
        value, token, done = _value(lexer, token, stack)
        if not done:
            continue
        while True:
            if not stack:
                token = lexer.scan()
                if token != END_OF_INPUT:
                    raise _expected(lexer, token, END_OF_INPUT, "value")
                return value
            top = stack[-1]
            if type(top) is list:
                top.append(value)
                token = lexer.scan()
                if token == VALUE_SEPARATOR:
                    token = lexer.scan()
                    break
                if token == END_ARRAY:
                    value = stack.pop()
                    continue
                raise _expected(lexer, token, END_ARRAY, "array")
            attrs = top.attrs
            attrs[top.key] = value
            token = lexer.scan()
            if token == VALUE_SEPARATOR:
                token = lexer.scan()
                if token != STRING:
                    raise _expected(lexer, token, STRING, "object key")
                top.key = lexer.value
                token = lexer.scan()
                if token != NAME_SEPARATOR:
                    raise _expected(lexer, token, NAME_SEPARATOR, "object separator")
                token = lexer.scan()
                break
            if token == END_OBJECT:
                stack.pop()
                value = attrs
                continue
            raise _expected(lexer, token, END_OBJECT, "object")


def _value(lexer: _Lexer, token: str, stack: list[Any]) -> tuple[Value, str, bool]:
    """Read the value starting with ``token``: (value, token, True) for a complete one,
    (None, next token, False) after opening a non-empty container."""
    if token == BEGIN_OBJECT:
        token = lexer.scan()
        if token == END_OBJECT:
            return {}, token, True
        if token != STRING:
            raise _expected(lexer, token, STRING, "object key")
        key = lexer.value
        token = lexer.scan()
        if token != NAME_SEPARATOR:
            raise _expected(lexer, token, NAME_SEPARATOR, "object separator")
        stack.append(_Object(key))
        return None, lexer.scan(), False
    if token == BEGIN_ARRAY:
        token = lexer.scan()
        if token == END_ARRAY:
            return [], token, True
        stack.append([])
        return None, token, False
    if token == FLOAT:
        if math.isinf(lexer.value):
            raise JSONParseError(
                f"[json.exception.out_of_range.406] number overflow parsing '{lexer.token_text()}'"
            )
        return lexer.value, token, True
    if token == UNSIGNED:
        if lexer.value > ops.INT_MAX:
            raise _OutOfRange(f"unsigned json number {lexer.value} outside of Nix integer range")
        return lexer.value, token, True
    if token in (INTEGER, STRING):
        return lexer.value, token, True
    if token in (TRUE, FALSE, NULL):
        return {TRUE: True, FALSE: False, NULL: None}[token], token, True
    if token == PARSE_ERROR:
        raise _expected(lexer, token, UNINITIALIZED, "value")
    if token == END_OF_INPUT and lexer.total == 1:
        raise _parse_error(
            lexer,
            "attempting to parse an empty input; check that your input string or stream "
            "contains the expected JSON",
        )
    raise _expected(lexer, token, LITERAL_OR_VALUE, "value")


def _nix_string(text: str) -> str:
    """Nix strings cannot hold NUL (C++ Nix's strings end at one)."""
    if "\0" in text:
        shown = text.replace("\0", "\u2400")
        raise _OutOfRange(
            f"input string '{shown}' cannot be represented as Nix string because it contains "
            "null bytes"
        )
    return text


class _Object:
    """An object being read: its attributes so far, and the key whose value comes next."""

    __slots__ = ("attrs", "key")

    def __init__(self, key: str) -> None:
        self.attrs: dict[str, Value] = {}
        self.key = key


class _OutOfRange(NixError):
    """JSON Nix cannot hold (an integer too large, a NUL in a string): not a parse error,
    so no "decoding" trace line."""
