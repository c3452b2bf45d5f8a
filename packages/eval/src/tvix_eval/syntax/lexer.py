"""The Nix lexer: source text to tokens, as C++ Nix's flex lexer cuts it.

Nix's lexical structure depends on context: the same ``}`` closes a set, an interpolation in a
string or one in a path, and what follows decides how the next characters are read. The lexer
therefore keeps a stack of modes, exactly as the flex scanner keeps its start conditions:
normal code, ``"..."`` strings, ``''...''`` strings, and the inside of a path literal.

Flex picks the longest match among its rules (the first rule on ties). Python's ``re`` takes the
first alternative that matches instead, so the alternatives of :data:`_DEFAULT` are ordered such
that whenever one matches it is also the longest (URIs before paths before numbers before
identifiers; each pair was checked to be exclusive or ordered by length).

Positions mimic the C++ scanner too, including its quirks, because parse errors must point where
C++ Nix points: every lexeme (whitespace and comments included) moves a location forward, and
the token that ends a path (``PATH_END``) takes back an earlier location, as flex's ``yyless``
and Nix's ``unstash`` do.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

from tvix_eval.errors import ParseError
from tvix_eval.syntax.source import Source, Span

__all__ = ["KEYWORDS", "Lexer", "NixToken", "tokenize"]

#: Reserved words and their token types (bison's names).
KEYWORDS: dict[str, str] = {
    "if": "IF",
    "then": "THEN",
    "else": "ELSE",
    "assert": "ASSERT",
    "with": "WITH",
    "let": "LET",
    "in": "IN_KW",
    "rec": "REC",
    "inherit": "INHERIT",
    "or": "OR_KW",
}

#: Two- and three-character operators.
_OPERATORS: dict[str, str] = {
    "...": "ELLIPSIS",
    "==": "EQ",
    "!=": "NEQ",
    "<=": "LEQ",
    ">=": "GEQ",
    "&&": "AND",
    "||": "OR",
    "->": "IMPL",
    "//": "UPDATE",
    "++": "CONCAT",
    "|>": "PIPE_INTO",
    "<|": "PIPE_FROM",
    "${": "DOLLAR_CURLY",
}

#: Single characters the grammar uses; any other character is bison's "invalid token".
_CHARS: dict[str, str] = {
    ":": "COLON",
    "@": "AT",
    ",": "COMMA",
    ";": "SEMI",
    "=": "ASSIGN",
    "(": "LPAREN",
    ")": "RPAREN",
    "[": "LBRACK",
    "]": "RBRACK",
    "{": "LBRACE",
    "}": "RBRACE",
    ".": "DOT",
    "?": "QUESTION",
    "!": "NOT",
    "+": "PLUS",
    "-": "MINUS",
    "*": "STAR",
    "/": "SLASH",
    "<": "LT",
    ">": "GT",
}

_PC = r"[a-zA-Z0-9._\-+]"  # a character of a path
_URI = r"[a-zA-Z][a-zA-Z0-9+\-.]*:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']+"

_DEFAULT = re.compile(
    rf"""
    (?P<ws>[ \t\r\n]+|\#[^\r\n]*)
  | (?P<comment>/\*)
  | (?P<uri>{_URI})
  | (?P<pathseg>{_PC}*/(?=\$\{{))
  | (?P<hpathseg>~/(?=\$\{{))
  | (?P<path>{_PC}*(?:/{_PC}+)+/?)
  | (?P<hpath>~(?:/{_PC}+)+/?)
  | (?P<spath><{_PC}+(?:/{_PC}+)*>)
  | (?P<float>(?:[1-9][0-9]*\.[0-9]*|0?\.[0-9]+)(?:[Ee][+-]?[0-9]+)?)
  | (?P<int>[0-9]+)
  | (?P<id>[a-zA-Z_][a-zA-Z0-9_'\-]*)
  | (?P<op>\.\.\.|==|!=|<=|>=|&&|\|\||->|//|\+\+|\|>|<\||\$\{{)
  | (?P<indopen>''(?:\ *\n)?)
  | (?P<char>[\s\S])
    """,
    re.VERBOSE,
)

# Fast paths of _DEFAULT for the commonest lexemes (see Lexer._normal).
_WS = re.compile(r"[ \t\r\n]+")
_ID = re.compile(r"[a-zA-Z_][a-zA-Z0-9_'\-]*")
_PC_RUN = re.compile(rf"{_PC}*")
_WS_START = frozenset(" \t\r\n")
_ID_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_MAYBE_LONGER = frozenset("./:+")  # after an identifier: a path or URI may follow

_STRING_BODY = re.compile(r"""(?:[^$"\\]|\$[^{"\\]|\\[\s\S]|\$\\[\s\S])*(?:\$(?="))?""")
_IND_BODY = re.compile(r"(?:[^$']|\$[^{']|'[^'$])+")
_PATH_PIECE = re.compile(rf"{_PC}*(?:/{_PC}+)+/?|{_PC}*/|{_PC}+")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}
_INT_MAX = 2**63 - 1

# Modes of the mode stack (flex's start conditions).
_INITIAL = 0  # the bottom of the stack: a '}' here pops nothing
_NORMAL = 1
_STRING = 2
_IND_STRING = 3
_INPATH = 4  # inside a path, after a piece not ending in '/'
_INPATH_SLASH = 5  # inside a path, after a piece ending in '/'


def unescape(text: str) -> str:
    """Resolve a ``"..."`` string's escapes and turn CR and CR LF into LF, as C++ Nix does."""
    if "\\" not in text and "\r" not in text:
        return text
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            c = text[i + 1]
            out.append(_ESCAPES.get(c, c))
            i += 2
            continue
        if c == "\r":
            out.append("\n")
            i += 2 if text.startswith("\n", i + 1) else 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _check_float(text: str) -> bool:
    """Whether ``strtod`` reads ``text`` without a range error: overflow to infinity, or
    underflow to zero or to a subnormal number (a literal zero is fine)."""
    value = float(text)
    if value == 0.0:
        mantissa = text.lower().partition("e")[0]
        return not any(c in "123456789" for c in mantissa)
    return value != float("inf") and value >= sys.float_info.min


class NixToken(str):
    """A token: its text (the string itself, also ``value``), its type as bison names it, and
    its extent as offsets; lines and columns come from :class:`Source` when needed."""

    __slots__ = ("end_pos", "start_pos", "type", "value")

    type: str
    value: str
    start_pos: int
    end_pos: int

    def __new__(cls, kind: str, value: str, start: int, end: int) -> NixToken:
        token = str.__new__(cls, value)
        token.type = kind
        token.value = value
        token.start_pos = start
        token.end_pos = end
        return token


#: Characters that are a token by themselves whatever follows them, in normal code.
_SINGLE: dict[str, str] = {c: _CHARS[c] for c in ":@,;()[]?*"}
#: What makes a '.' more than a DOT when it follows: a number, '...', a path ('..' or '../').
_DOT_NOT_ALONE = frozenset("0123456789.")


class Lexer:
    """One pass over one source, yielding tokens named as bison names them.

    ``eof_pos`` is where an "unexpected end of file" is reported once the tokens run out: the
    end of the last lexeme, as C++ Nix's location tracking leaves it. The tokens' positions
    are their extents, except ``PATH_END``'s, which is where C++ Nix reports it.

    C++ Nix's scanner moves its location over every lexeme (whitespace and comments
    included), and ``PATH_END`` takes back an earlier location: that of the lexeme before the
    one-character lookahead that ended the path, which is always the token before it. Only at
    the end of the input, where there is no lookahead, does it take the lexeme before that
    token, which may be whitespace or a comment (:meth:`_lexeme_before`). Every other location
    is the extent of the text just read, so no location is tracked lexeme by lexeme.
    """

    def __init__(self, source: Source, pipe_operators: bool = False) -> None:
        self.source = source
        #: Whether ``|>`` and ``<|`` are tokens (experimental feature pipe-operators); C++
        #: Nix's scanner refuses them otherwise, as soon as it reads one.
        self.pipe_operators = pipe_operators
        self.text = source.text
        self.pos = 0
        self.modes: list[int] = [_INITIAL]
        self.eof_pos = -1  # known once the tokens run out
        #: The token handed out last: the parser's lookahead while it reduces.
        self.last: NixToken | None = None
        #: The token handed out before it.
        self.before_last: NixToken | None = None

    # -- helpers -----------------------------------------------------------------------------

    def _token(self, kind: str, value: str, end: int) -> NixToken:
        """The token of type ``kind`` from here to ``end``, which is consumed."""
        token = NixToken(kind, value, self.pos, end)
        self.pos = end
        return token

    def _error(self, message: str, start: int) -> ParseError:
        """An error at the lexeme from ``start`` to here, as C++ Nix reports it."""
        return ParseError(message, Span(self.source, start, self.pos))

    # -- the modes ---------------------------------------------------------------------------

    def tokens(self) -> Iterator[NixToken]:
        """All tokens of the source; stops at the end (or where C++ Nix sees an end).

        Normal code's commonest tokens (identifiers, keywords, single characters, after
        whitespace) are cut here, in one loop; the rest by one method per mode."""
        text = self.text
        n = len(text)
        modes = self.modes
        ws_end = _WS.match
        id_end = _ID.match
        pc_end = _PC_RUN.match
        keyword = KEYWORDS.get
        single = _SINGLE.get
        new = str.__new__
        last: NixToken | None = None
        pos = 0
        while True:
            mode = modes[-1]
            if mode <= _NORMAL:
                if pos >= n:
                    break
                c = text[pos]
                if c in _WS_START:
                    pos += 1  # often a single space
                    if pos >= n:
                        break
                    c = text[pos]
                    if c in _WS_START:
                        pos = ws_end(text, pos).end()  # type: ignore[union-attr]
                        if pos >= n:
                            break
                        c = text[pos]
                kind = None
                if c in _ID_START:
                    # An identifier, unless a path or URI goes on from here.
                    end = id_end(text, pos).end()  # type: ignore[union-attr]
                    if text[end : end + 1] not in _MAYBE_LONGER or (
                        text[(after := pc_end(text, pos).end()) : after + 1]  # type: ignore[union-attr]
                        not in ("/", ":")
                    ):
                        value = text[pos:end]
                        kind = keyword(value, "ID")
                else:
                    kind = single(c)
                    if kind is None:
                        if c == "=":
                            kind = "EQ" if text.startswith("=", pos + 1) else "ASSIGN"
                        elif c == ".":
                            # unless a number, '...' or a path starts here
                            if text[pos + 1 : pos + 2] not in _DOT_NOT_ALONE:
                                after = pc_end(text, pos).end()  # type: ignore[union-attr]
                                if text[after : after + 1] != "/":
                                    kind = "DOT"
                        elif c == "{":
                            kind = "LBRACE"
                            modes.append(_NORMAL)
                        elif c == '"':
                            kind = "DQUOTE"
                            modes.append(_STRING)
                        elif c == "}":
                            kind = "RBRACE"
                            if mode != _INITIAL:
                                modes.pop()
                    end = pos + 2 if kind == "EQ" else pos + 1
                    value = text[pos:end]
                if kind is not None:
                    # NixToken(kind, value, pos, end), inlined: the call cost as much again
                    token = new(NixToken, value)
                    token.type = kind
                    token.value = value
                    token.start_pos = pos
                    token.end_pos = pos = end
                    self.before_last = last
                    self.last = last = token
                    yield token
                    continue
                self.pos = pos
                next_token = self._normal()
            else:
                self.pos = pos
                if mode == _STRING:
                    next_token = self._string()
                elif mode == _IND_STRING:
                    next_token = self._ind_string()
                else:
                    next_token = self._path()
            pos = self.pos
            if next_token is None:
                break
            self.before_last = last
            self.last = last = next_token
            yield next_token
        self.pos = pos
        if self.eof_pos < 0:
            self.eof_pos = pos

    def _normal(self) -> NixToken | None:
        text = self.text
        m = _DEFAULT.match(text, self.pos)
        assert m is not None  # the last alternative matches any character
        while m.lastgroup == "ws":
            self.pos = m.end()
            m = _DEFAULT.match(text, self.pos)
            if m is None:
                return None
        kind = m.lastgroup or ""
        value = m.group()
        end = m.end()
        if kind == "id":
            return self._token(KEYWORDS.get(value, "ID"), value, end)
        if kind == "char":
            return self._char(value, end)
        if kind == "op":
            token = self._token(_OPERATORS[value], value, end)
            if value in ("|>", "<|") and not self.pipe_operators:
                raise self._error(
                    "experimental Nix feature 'pipe-operators' is disabled; add "
                    "'--extra-experimental-features pipe-operators' to enable it",
                    token.start_pos,
                )
            if value == "${":
                self.modes.append(_NORMAL)
            return token
        if kind == "int":
            token = self._token("INT_LIT", value, end)
            if int(value) > _INT_MAX:
                raise self._error(f"invalid integer '{value}'", token.start_pos)
            return token
        if kind == "float":
            token = self._token("FLOAT_LIT", value, end)
            if not _check_float(value):
                raise self._error(f"invalid float '{value}'", token.start_pos)
            return token
        if kind == "comment":
            close = text.find("*/", self.pos + 2)
            if close < 0:  # not a comment after all: a lone '/'
                return self._char("/", self.pos + 1)
            self.pos = close + 2
            return self._normal() if self.pos < len(text) else None
        if kind == "indopen":
            self.modes.append(_IND_STRING)
            return self._token("IND_STRING_OPEN", value, end)
        return self._path_start(kind, value, end)

    def _char(self, value: str, end: int) -> NixToken | None:
        if value == "\0":  # flex hands bison a 0 here, which bison takes for the end
            self.pos = end
            return None
        if value == '"':
            self.modes.append(_STRING)
            return self._token("DQUOTE", value, end)
        if value == "{":
            self.modes.append(_NORMAL)
        elif value == "}" and self.modes[-1] != _INITIAL:
            self.modes.pop()
        return self._token(_CHARS.get(value, "INVALID"), value, end)

    def _path_start(self, kind: str, value: str, end: int) -> NixToken:
        if kind in ("uri", "spath"):
            return self._token(kind.upper(), value, end)
        token = self._token("HPATH" if kind.startswith("h") else "PATH", value, end)
        self.modes.append(_INPATH_SLASH if value.endswith("/") else _INPATH)
        return token

    def _string(self) -> NixToken | None:
        text = self.text
        pos = self.pos
        m = _STRING_BODY.match(text, pos)
        assert m is not None
        end = m.end()
        if end > pos:
            value = unescape(m.group())
            token = self._token("STR", value, end)
            self._check_nul(value, pos)
            return token
        if text.startswith("${", pos):
            self.modes.append(_NORMAL)
            return self._token("DOLLAR_CURLY", "${", pos + 2)
        if text.startswith('"', pos):
            self.modes.pop()
            return self._token("DQUOTE", '"', pos + 1)
        # A '$', '\' or '$\' right before the end: flex calls it the end of the file.
        self.pos = len(text)
        return None

    def _ind_string(self) -> NixToken | None:
        text = self.text
        pos = self.pos
        m = _IND_BODY.match(text, pos)
        if m is not None:
            token = self._token("IND_STR", m.group(), m.end())
            self._check_nul(token.value, pos)
            return token
        if text.startswith("''", pos):
            after = text[pos + 2 : pos + 3]
            if after == "$":
                return self._token("IND_STR_ESC", "$", pos + 3)
            if after == "'":
                return self._token("IND_STR_ESC", "''", pos + 3)
            if after == "\\" and pos + 3 < len(text):
                value = unescape(text[pos + 2 : pos + 4])
                token = self._token("IND_STR_ESC", value, pos + 4)
                self._check_nul(value, pos)
                return token
            self.modes.pop()
            return self._token("IND_STRING_CLOSE", "''", pos + 2)
        if text.startswith("${", pos):
            self.modes.append(_NORMAL)
            return self._token("DOLLAR_CURLY", "${", pos + 2)
        if pos < len(text):  # a lone '$' or "'"
            return self._token("IND_STR_ESC", text[pos], pos + 1)
        return None

    def _path(self) -> NixToken | None:
        text = self.text
        pos = self.pos
        modes = self.modes
        if text.startswith("${", pos):
            modes[-1] = _INPATH
            modes.append(_NORMAL)
            return self._token("DOLLAR_CURLY", "${", pos + 2)
        m = _PATH_PIECE.match(text, pos)
        if m is not None:
            value = m.group()
            modes[-1] = _INPATH_SLASH if value.endswith("/") else _INPATH
            return self._token("STR", value, m.end())
        last = self.last
        assert last is not None  # a path piece or the '}' of an interpolation
        if modes[-1] == _INPATH_SLASH:
            if pos < len(text):
                self.pos = pos + 1
                raise self._error("path has a trailing slash", pos)
            span = Span(self.source, last.start_pos, last.end_pos)
            raise ParseError("path has a trailing slash", span)
        modes.pop()
        # PATH_END: flex matches one character, gives it back (yyless) and restores the
        # location of the lexeme before it (unstash): the token before, which ends here. At
        # the very end only the restore happens, to the lexeme before that token.
        if pos < len(text):
            return NixToken("PATH_END", "", last.start_pos, last.end_pos)
        start, end = self._lexeme_before(last)
        self.eof_pos = end
        return NixToken("PATH_END", "", start, end)

    def _lexeme_before(self, token: NixToken) -> tuple[int, int]:
        """The extent of the lexeme before ``token``: the token before it, or the last of the
        whitespace and comments between them."""
        previous = self.before_last
        gap_start = previous.end_pos if previous is not None else 0
        if gap_start == token.start_pos and previous is not None:
            return previous.start_pos, previous.end_pos
        lexeme = (gap_start, gap_start)
        pos = gap_start
        while pos < token.start_pos:
            m = _DEFAULT.match(self.text, pos)
            assert m is not None
            end = m.end()
            if m.lastgroup == "comment":
                end = self.text.find("*/", pos + 2) + 2
            lexeme = (pos, end)
            pos = end
        return lexeme

    def _check_nul(self, value: str, start: int) -> None:
        if "\0" in value:
            shown = value.replace("\0", "\u2400")
            raise self._error(
                f"input string '{shown}' cannot be represented as Nix string because it "
                "contains null bytes",
                start,
            )


def tokenize(source: Source, pipe_operators: bool = False) -> list[NixToken]:
    """Every token of ``source`` (for tests and tools; the parser streams them)."""
    return list(Lexer(source, pipe_operators).tokens())
