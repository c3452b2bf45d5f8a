"""Nix source to syntax tree: an LALR(1) parser over :mod:`tvix_eval.syntax.lexer`'s tokens.

The grammar (``grammar.lark``) mirrors C++ Nix's bison grammar. lark analyses it at build time
(``scripts/gen_parser.py``) into the tables of :mod:`tvix_eval.syntax._lalr_tables`, which the
loop here drives, so that starting a process costs neither lark nor a grammar analysis. The
callbacks build :mod:`tvix_eval.syntax.ast` nodes directly while the parser reduces (no
intermediate parse tree), and make the checks C++ Nix makes in its grammar actions, at the same
moments: merging nested attribute paths, refusing duplicate attributes and formals, dynamic
attributes in ``let`` or ``inherit``. Undefined variables are refused after, as C++ Nix's
parser does (:mod:`tvix_eval.syntax.scope`).

Syntax errors read as bison writes them (``syntax error, unexpected X, expecting Y or Z``).
Bison takes a state's most common reduction whatever the next token is, and only notices an
error in a state that cannot reduce; lark's tables notice it as early as possible. On an error
we therefore finish those reductions first, as bison would (running their actions, which may
raise their own errors first, as in C++ Nix), and list what the state we end in accepts.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Collection
from typing import Any

from tvix_eval.errors import ParseError
from tvix_eval.syntax import ast
from tvix_eval.syntax._lalr_tables import END, RULES, START, STATES
from tvix_eval.syntax.lexer import Lexer, NixToken
from tvix_eval.syntax.scope import check_variables
from tvix_eval.syntax.source import Source, Span
from tvix_eval.syntax.symbols import BASE_NAMES, STARTUP_SYMBOLS

__all__ = ["parse", "parse_text", "strip_indentation", "token_name"]

# -- operators -------------------------------------------------------------------------------

_NONASSOC, _LEFT, _RIGHT = 0, 1, 2

#: bison's precedence levels (higher binds tighter) and associativity of binary operators.
_BINARY: dict[str, tuple[int, int]] = {
    "IMPL": (1, _RIGHT),
    "OR": (2, _LEFT),
    "AND": (3, _LEFT),
    "EQ": (4, _NONASSOC),
    "NEQ": (4, _NONASSOC),
    "LT": (5, _NONASSOC),
    "GT": (5, _NONASSOC),
    "LEQ": (5, _NONASSOC),
    "GEQ": (5, _NONASSOC),
    "UPDATE": (6, _RIGHT),
    "PLUS": (8, _LEFT),
    "MINUS": (8, _LEFT),
    "STAR": (9, _LEFT),
    "SLASH": (9, _LEFT),
    "CONCAT": (10, _RIGHT),
}
#: Binary operators C++ Nix makes a call of (``__sub a b``...): a pipe into one adds an
#: argument to that call.
_CALL_OPERATORS = frozenset({"-", "*", "/", "<", ">"})
_NOT_PREC = 7
_HAS_ATTR_PREC = 11
_NEGATE_PREC = 12

# -- how bison names tokens ------------------------------------------------------------------

_CHAR_NAMES = {
    "COLON": ":",
    "AT": "@",
    "SEMI": ";",
    "NOT": "!",
    "DOT": ".",
    "DQUOTE": '"',
    "LPAREN": "(",
    "RPAREN": ")",
    "LBRACE": "{",
    "RBRACE": "}",
    "LBRACK": "[",
    "RBRACK": "]",
    "ASSIGN": "=",
    "COMMA": ",",
    "LT": "<",
    "GT": ">",
    "PLUS": "+",
    "MINUS": "-",
    "STAR": "*",
    "SLASH": "/",
    "QUESTION": "?",
}

#: Bison lists expected tokens by symbol number: declaration order, then first use.
_BISON_ORDER = [
    "$END",
    "INVALID",
    "ID",
    "STR",
    "IND_STR",
    "INT_LIT",
    "FLOAT_LIT",
    "PATH",
    "HPATH",
    "SPATH",
    "PATH_END",
    "URI",
    "IF",
    "THEN",
    "ELSE",
    "ASSERT",
    "WITH",
    "LET",
    "IN_KW",
    "REC",
    "INHERIT",
    "EQ",
    "NEQ",
    "AND",
    "OR",
    "IMPL",
    "OR_KW",
    "PIPE_FROM",
    "PIPE_INTO",
    "DOLLAR_CURLY",
    "IND_STRING_OPEN",
    "IND_STRING_CLOSE",
    "ELLIPSIS",
    "LT",
    "GT",
    "LEQ",
    "GEQ",
    "UPDATE",
    "PLUS",
    "MINUS",
    "STAR",
    "SLASH",
    "CONCAT",
    "QUESTION",
    "COLON",
    "AT",
    "SEMI",
    "NOT",
    "DOT",
    "DQUOTE",
    "LPAREN",
    "RPAREN",
    "LBRACE",
    "RBRACE",
    "LBRACK",
    "RBRACK",
    "ASSIGN",
    "COMMA",
]
_BISON_RANK = {name: i for i, name in enumerate(_BISON_ORDER)}


def token_name(kind: str) -> str:
    """How bison's messages name a token type."""
    if kind == "$END":
        return "end of file"
    if kind == "INVALID":
        return "invalid token"
    if kind == "IND_STR_ESC":
        return "IND_STR"
    char = _CHAR_NAMES.get(kind)
    return f"'{char}'" if char is not None else kind


# -- intermediate values of the reductions ---------------------------------------------------


# (plain classes rather than dataclasses, which would cost start-up time to create)


class _AttrPath:
    __slots__ = ("end", "names", "start")

    def __init__(self, names: list[ast.AttrName], start: int, end: int) -> None:
        self.names = names
        self.start = start
        self.end = end


class _StringAttr:
    """``"..."`` or ``${...}`` in an attribute path: static if it is a plain string."""

    __slots__ = ("end", "expr", "start")

    def __init__(self, expr: ast.Expr, start: int, end: int) -> None:
        self.expr = expr
        self.start = start
        self.end = end


class _FormalSet:
    __slots__ = ("end", "formals", "start")

    def __init__(self, formals: ast.Formals, start: int, end: int) -> None:
        self.formals = formals
        self.start = start
        self.end = end


class _Chain:
    """An operator expression being resolved by precedence (a shunting yard)."""

    __slots__ = ("operands", "ops")

    def __init__(self, operands: list[ast.Expr]) -> None:
        self.operands = operands
        self.ops: list[tuple[int, NixToken | None, NixToken]] = []


def _plain_string(expr: ast.Expr) -> str | None:
    """The text of ``expr`` if it is what C++ Nix calls an ExprString (no interpolation)."""
    if isinstance(expr, ast.Str) and expr.pieces is None and len(expr.parts) == 1:
        part = expr.parts[0]
        if isinstance(part, str):
            return part
    return None


def _join(pieces: list[str | ast.Expr]) -> list[str | ast.Expr]:
    """Join adjacent literal pieces."""
    parts: list[str | ast.Expr] = []
    for piece in pieces:
        if isinstance(piece, str) and parts and isinstance(parts[-1], str):
            parts[-1] = parts[-1] + piece
        else:
            parts.append(piece)
    return parts


def strip_indentation(tokens: list[tuple[bool, str] | ast.Expr]) -> list[str | ast.Expr]:
    """The pieces of an indented string, as C++ Nix's ``stripIndentation`` leaves them.

    ``tokens`` are ``(has_indentation, text)`` for text (False for escapes such as ``''$``,
    which end a line's leading whitespace like an interpolation does) or interpolations. The
    minimum indentation ignores empty lines and a whitespace-only last line; the last piece
    loses its whitespace-only last line.
    """
    at_line_start = True
    min_indent = 1000000
    indent = 0
    for token in tokens:
        if not isinstance(token, tuple) or not token[0]:
            if at_line_start:
                at_line_start = False
                min_indent = min(min_indent, indent)
            continue
        for c in token[1]:
            if at_line_start:
                if c == " ":
                    indent += 1
                elif c == "\n":
                    indent = 0
                else:
                    at_line_start = False
                    min_indent = min(min_indent, indent)
            elif c == "\n":
                at_line_start = True
                indent = 0

    pieces: list[str | ast.Expr] = []
    at_line_start = True
    dropped = 0
    last = len(tokens) - 1
    for i, token in enumerate(tokens):
        if not isinstance(token, tuple):
            at_line_start = False
            dropped = 0
            pieces.append(token)
            continue
        out: list[str] = []
        for c in token[1]:
            if at_line_start:
                if c == " ":
                    if dropped >= min_indent:
                        out.append(c)
                    dropped += 1
                elif c == "\n":
                    dropped = 0
                    out.append(c)
                else:
                    at_line_start = False
                    dropped = 0
                    out.append(c)
            else:
                out.append(c)
                if c == "\n":
                    at_line_start = True
        text = "".join(out)
        if i == last:
            cut = text.rfind("\n")
            if cut >= 0 and text[cut + 1 :].strip(" ") == "":
                text = text[: cut + 1]
        if text:
            pieces.append(text)
    return pieces


# -- the reductions --------------------------------------------------------------------------

Children = list[Any]


class _Builder:
    """The reductions' callbacks: one method per grammar alias, each building a node or a
    piece.

    One builder serves one parse at a time (``source``, ``lexer`` and ``symbols`` are per
    parse); :func:`parse` holds a lock around it.
    """

    def __init__(self) -> None:
        self.source = Source("«string»", "")
        self.lexer = Lexer(self.source)
        #: Names in the order C++ Nix would have interned them, those it interns at start-up
        #: first (it orders duplicates and undefined variables so).
        self.symbols: dict[str, int] = {}
        #: Parenthesised nodes -> the extent of their parentheses: C++ Nix's positions of an
        #: enclosing expression start at the opening parenthesis.
        self.extent: dict[int, tuple[int, int]] = {}
        #: ``f or`` applications not yet in parentheses (C++ Nix's "cursed or"), and where
        #: the warning about using one as an argument goes.
        self.cursed: set[int] = set()
        self.warn: Callable[[str], None] | None = None
        #: Whether a URL literal is a string (False: refused, as with no-url-literals).
        self.url_literals = True

    # -- helpers

    def start(self, c: Children) -> ast.Expr:
        return c[0]  # type: ignore[no-any-return]

    def first(self, node: ast.Expr) -> int:
        """Where ``node`` starts, counting parentheses around it."""
        return self.extent.get(id(node), (node.span.start, 0))[0]

    def last(self, node: ast.Expr) -> int:
        """Where ``node`` ends, counting parentheses around it."""
        return self.extent.get(id(node), (0, node.span.end))[1]

    def span(self, start: int, end: int) -> Span:
        return Span(self.source, start, end)

    def tspan(self, token: NixToken) -> Span:
        return Span(self.source, token.start_pos, token.end_pos)

    def intern(self, name: str) -> str:
        self.symbols.setdefault(name, len(self.symbols))
        return name

    def error(self, message: str, start: int, end: int | None = None) -> ParseError:
        return ParseError(message, self.span(start, start if end is None else end))

    def show_path(self, names: list[ast.AttrName]) -> str:
        from tvix_eval.syntax.printer import show_attr_path  # only errors print paths

        return show_attr_path(names)

    def dup_attr(self, names: list[ast.AttrName], at: Span, previous: Span) -> ParseError:
        return ParseError(f"attribute '{self.show_path(names)}' already defined at {previous}", at)

    # -- functions and the keywords around them

    def lambda_plain(self, c: Children) -> ast.Expr:
        name, _, body = c
        span = self.span(name.start_pos, self.last(body))
        return ast.Lambda(span, self.intern(str(name)), None, body)

    def lambda_formals(self, c: Children) -> ast.Expr:
        fs, _, body = c
        self.check_formals(fs.formals)
        return ast.Lambda(self.span(fs.start, self.last(body)), None, fs.formals, body)

    def lambda_formals_at(self, c: Children) -> ast.Expr:
        fs, _, name, _, body = c
        self.check_formals(fs.formals, fs.start, name)
        return ast.Lambda(self.span(fs.start, self.last(body)), str(name), fs.formals, body)

    def lambda_at_formals(self, c: Children) -> ast.Expr:
        name, _, fs, _, body = c
        self.check_formals(fs.formals, name.start_pos, name)
        return ast.Lambda(self.span(name.start_pos, self.last(body)), str(name), fs.formals, body)

    def check_formals(self, formals: ast.Formals, at: int = 0, arg: str | None = None) -> None:
        """Refuse duplicate formals as C++ Nix's ``validateFormals`` does: of several, the
        name interned first, at its second occurrence; then the ``@`` name among them."""
        seen: dict[str, ast.Formal] = {}
        duplicate: tuple[int, int, ast.Formal] | None = None
        for formal in formals.entries:
            if formal.name in seen:
                key = (self.symbols.get(formal.name, 0), formal.span.start, formal)
                if duplicate is None or key[:2] < duplicate[:2]:
                    duplicate = key
            else:
                seen[formal.name] = formal
        if duplicate is not None:
            dup = duplicate[2]
            raise ParseError(f"duplicate formal function argument '{dup.name}'", dup.span)
        if arg is not None and arg in seen:
            raise self.error(f"duplicate formal function argument '{arg}'", at)

    def formal(self, c: Children) -> ast.Formal:
        (name,) = c
        return ast.Formal(self.intern(str(name)), None, self.tspan(name))

    def formal_default(self, c: Children) -> ast.Formal:
        name, _, default = c
        return ast.Formal(self.intern(str(name)), default, self.tspan(name))

    def formals_first(self, c: Children) -> list[ast.Formal]:
        return [c[0]]

    def formals_more(self, c: Children) -> list[ast.Formal]:
        c[0].append(c[2])
        return c[0]  # type: ignore[no-any-return]

    def _formal_set(self, c: Children, entries: list[ast.Formal], ellipsis: bool) -> _FormalSet:
        return _FormalSet(ast.Formals(entries, ellipsis), c[0].start_pos, c[-1].end_pos)

    def formals_ellipsis(self, c: Children) -> _FormalSet:
        return self._formal_set(c, c[1], True)

    def formals_only_ellipsis(self, c: Children) -> _FormalSet:
        return self._formal_set(c, [], True)

    def formals_comma(self, c: Children) -> _FormalSet:
        return self._formal_set(c, c[1], False)

    def formals_plain(self, c: Children) -> _FormalSet:
        return self._formal_set(c, c[1], False)

    def formals_none(self, c: Children) -> _FormalSet:
        return self._formal_set(c, [], False)

    def assert_(self, c: Children) -> ast.Expr:
        kw, cond, _, body = c
        return ast.Assert(self.span(kw.start_pos, self.last(body)), cond, body)

    def with_(self, c: Children) -> ast.Expr:
        kw, env, _, body = c
        return ast.With(self.span(kw.start_pos, self.last(body)), env, body)

    def let(self, c: Children) -> ast.Expr:
        kw, binds, _, body = c
        if binds.dynamic:
            raise self.error("dynamic attributes not allowed in let", kw.start_pos)
        binds.recursive = True
        binds.span = self.span(kw.start_pos, c[2].end_pos)
        return ast.Let(self.span(kw.start_pos, self.last(body)), binds, body)

    def if_(self, c: Children) -> ast.Expr:
        kw, cond, _, then, _, else_ = c
        return ast.If(self.span(kw.start_pos, self.last(else_)), cond, then, else_)

    # -- operators

    def expr_op(self, c: Children) -> ast.Expr:
        chain: _Chain = c[0]
        operands = chain.operands
        while chain.ops:
            self.reduce_operator(chain)
        return operands[0]

    def chain_start(self, c: Children) -> _Chain:
        return _Chain([c[0]])

    def chain_start_prefixed(self, c: Children) -> _Chain:
        chain = _Chain([c[1]])
        self.push_prefixes(chain, c[0])
        return chain

    def chain_binary(self, c: Children) -> _Chain:
        chain, op, operand = c
        self.push_binary(chain, op)
        chain.operands.append(operand)
        self.check_nonassoc(chain)
        return chain  # type: ignore[no-any-return]

    def chain_binary_prefixed(self, c: Children) -> _Chain:
        chain, op, prefixes, operand = c
        self.push_binary(chain, op)
        chain.operands.append(operand)
        self.push_prefixes(chain, prefixes)
        self.check_nonassoc(chain)
        return chain  # type: ignore[no-any-return]

    def push_binary(self, chain: _Chain, op: NixToken) -> None:
        prec, assoc = _BINARY[op.type]
        ops = chain.ops
        while ops and (ops[-1][0] > prec or (ops[-1][0] == prec and assoc == _LEFT)):
            self.reduce_operator(chain)
        ops.append((prec, op, op))

    def chain_has_attr(self, c: Children) -> _Chain:
        chain, _, path = c
        while chain.ops and chain.ops[-1][0] > _HAS_ATTR_PREC:
            self.reduce_operator(chain)
        expr = chain.operands.pop()
        span = self.span(self.first(expr), path.end)
        chain.operands.append(ast.HasAttr(span, expr, path.names))
        self.check_nonassoc(chain)
        return chain  # type: ignore[no-any-return]

    def push_prefixes(self, chain: _Chain, prefixes: list[NixToken]) -> None:
        for token in prefixes:
            prec = _NOT_PREC if token.type == "NOT" else _NEGATE_PREC
            chain.ops.append((prec, None, token))

    def check_nonassoc(self, chain: _Chain) -> None:
        """Refuse ``a == b == c`` when the second operator is the lookahead, where bison
        refuses it (before anything after it is read)."""
        lookahead = self.lexer.last
        if lookahead is None or lookahead.type not in _BINARY:
            return
        prec, assoc = _BINARY[lookahead.type]
        if assoc != _NONASSOC:
            return
        for op_prec, binary, _ in reversed(chain.ops):
            if op_prec > prec:
                continue
            if op_prec == prec and binary is not None:
                raise self.error(
                    f"syntax error, unexpected {token_name(lookahead.type)}",
                    lookahead.start_pos or 0,
                )
            return

    def reduce_operator(self, chain: _Chain) -> None:
        _, binary, token = chain.ops.pop()
        operands = chain.operands
        right = operands.pop()
        if binary is None:
            op = "not" if token.type == "NOT" else "neg"
            span = self.span(token.start_pos, self.last(right))
            operands.append(ast.UnaryOp(span, op, right))
            return
        left = operands.pop()
        span = self.span(self.first(left), self.last(right))
        operands.append(ast.BinOp(span, str(binary), left, right, self.tspan(binary)))

    def prefix_first(self, c: Children) -> list[NixToken]:
        return [c[0]]

    def prefix_more(self, c: Children) -> list[NixToken]:
        c[0].append(c[1])
        return c[0]  # type: ignore[no-any-return]

    # -- the pipe operators

    def pipe_from(self, c: Children) -> ast.Expr:
        fn, op, arg = c
        return self.make_call(fn, arg, op)

    def pipe_into(self, c: Children) -> ast.Expr:
        arg, op, fn = c
        return self.make_call(fn, arg, op)

    def make_call(self, fn: ast.Expr, arg: ast.Expr, op: NixToken) -> ast.Expr:
        """``fn arg`` as C++ Nix's ``makeCall`` makes it for a pipe: an argument more of
        ``fn`` when that is a call already (``a |> f b`` is ``f b a``; ``a |> -b`` is
        ``__sub 0 b a``), at that call's position, or else a call at the operator; errors
        of the call are reported there."""
        start = _call_position(fn)
        if start is None:
            start = op.start_pos
        return ast.Apply(self.span(start, max(self.last(fn), self.last(arg))), fn, arg)

    # -- application and selection

    def apply(self, c: Children) -> ast.Expr:
        fn, arg = c
        self.check_cursed_or(arg)
        return ast.Apply(self.span(self.first(fn), self.last(arg)), fn, arg)

    def select(self, c: Children) -> ast.Expr:
        expr, _, path = c
        return ast.Select(self.span(self.first(expr), path.end), expr, path.names)

    def select_or(self, c: Children) -> ast.Expr:
        expr, _, path, _, default = c
        self.check_cursed_or(default)
        span = self.span(self.first(expr), self.last(default))
        return ast.Select(span, expr, path.names, default)

    def cursed_or(self, c: Children) -> ast.Expr:
        expr, kw = c
        span = self.span(self.first(expr), kw.end_pos)
        node = ast.Apply(span, expr, ast.Var(self.tspan(kw), self.intern("or")))
        self.cursed.add(id(node))
        return node

    def check_cursed_or(self, node: ast.Expr) -> None:
        """Warn as C++ Nix does where ``f or`` is an argument or a list element: a future
        Nix will read ``or`` there as a name of its own."""
        if not self.cursed or id(node) not in self.cursed:
            return
        self.cursed.discard(id(node))
        if self.warn is not None:
            from tvix_eval.syntax.printer import print_expr  # rare: not loaded up front

            self.warn(
                f"at {node.span}: This expression uses `or` as an identifier in a way that "
                "will change in a future Nix release.\nWrap this entire expression in "
                f"parentheses to preserve its current meaning:\n    {print_expr(node)}\n"
                "Give feedback at https://github.com/NixOS/nix/pull/11121"
            )

    # -- simple expressions

    def var(self, c: Children) -> ast.Expr:
        (token,) = c
        if token == "__curPos":
            return ast.CurPos(self.tspan(token))
        return ast.Var(self.tspan(token), self.intern(str(token)))

    def int_(self, c: Children) -> ast.Expr:
        return ast.Int(self.tspan(c[0]), int(c[0]))

    def float_(self, c: Children) -> ast.Expr:
        return ast.Float(self.tspan(c[0]), float(c[0]))

    def string(self, c: Children) -> ast.Expr:
        return self.make_string(c[1], c[0].start_pos, c[2].end_pos)

    def make_string(self, pieces: list[str | ast.Expr], start: int, end: int) -> ast.Str:
        span = self.span(start, end)
        if not pieces:
            return ast.Str(span, [""])
        pieces = _plain(pieces)
        parts = _join(pieces)
        return ast.Str(span, parts, None if len(parts) == len(pieces) else pieces)

    def ind_string(self, c: Children) -> ast.Expr:
        pieces = strip_indentation(c[1])
        if (
            len(pieces) == 1
            and isinstance(pieces[0], ast.Expr)
            and _plain_string(pieces[0]) is not None
        ):
            # ''${"a"}'' is the string "a" itself, as C++ Nix's stripIndentation has it
            return pieces[0]
        return self.make_string(pieces, c[0].start_pos, c[2].end_pos)

    def path(self, c: Children) -> ast.Expr:
        start, _ = c
        return ast.Path(self.tspan(start), self.path_kind(start), [str(start)])

    def path_interpolated(self, c: Children) -> ast.Expr:
        start, rest, _ = c
        span = self.span(start.start_pos, _end_of(rest[-1]))
        pieces = _plain([start, *rest])
        parts = _join(pieces)
        kind = self.path_kind(start)
        return ast.Path(span, kind, parts, None if len(parts) == len(pieces) else pieces)

    @staticmethod
    def path_kind(token: NixToken) -> ast.PathKind:
        if token.type == "HPATH":
            return ast.PathKind.HOME
        return ast.PathKind.ABSOLUTE if token.startswith("/") else ast.PathKind.RELATIVE

    def search_path(self, c: Children) -> ast.Expr:
        return ast.SearchPath(self.tspan(c[0]), str(c[0])[1:-1])

    def uri(self, c: Children) -> ast.Expr:
        # Refused when reduced, as C++ Nix refuses it in its grammar action (which reads the
        # setting once per process; here each parse has the features of its evaluation).
        if not self.url_literals:
            raise self.error("URL literals are disabled", c[0].start_pos)
        return ast.Str(self.tspan(c[0]), [str(c[0])])

    def parens(self, c: Children) -> ast.Expr:
        self.cursed.discard(id(c[1]))
        self.extent[id(c[1])] = (c[0].start_pos, c[2].end_pos)
        return c[1]  # type: ignore[no-any-return]

    def legacy_let(self, c: Children) -> ast.Expr:
        binds: ast.AttrSet = c[2]
        binds.recursive = True
        binds.span = self.span(c[0].start_pos, c[3].end_pos)
        return ast.Select(binds.span, binds, ["body"])

    def rec_set(self, c: Children) -> ast.Expr:
        binds: ast.AttrSet = c[2]
        binds.recursive = True
        binds.span = self.span(c[0].start_pos, c[3].end_pos)
        return binds

    def set_(self, c: Children) -> ast.Expr:
        binds: ast.AttrSet = c[1]
        binds.span = self.span(c[0].start_pos, c[2].end_pos)
        return binds

    def empty_set(self, c: Children) -> ast.Expr:
        return ast.AttrSet(self.span(c[0].start_pos, c[1].end_pos), False)

    def list_(self, c: Children) -> ast.Expr:
        return ast.List(self.span(c[0].start_pos, c[2].end_pos), c[1])

    def list_more(self, c: Children) -> list[ast.Expr]:
        self.check_cursed_or(c[1])
        c[0].append(c[1])
        return c[0]  # type: ignore[no-any-return]

    def list_empty(self, c: Children) -> list[ast.Expr]:
        return []

    # -- strings

    def parts_str(self, c: Children) -> list[str | ast.Expr]:
        return [str(c[0])]

    def parts_interpolated(self, c: Children) -> list[str | ast.Expr]:
        return c[0]  # type: ignore[no-any-return]

    def parts_empty(self, c: Children) -> list[str | ast.Expr]:
        return []

    def interp_str(self, c: Children) -> list[str | ast.Expr]:
        c[0].append(c[1])
        return c[0]  # type: ignore[no-any-return]

    def interp_more(self, c: Children) -> list[str | ast.Expr]:
        c[0].append(c[2])
        return c[0]  # type: ignore[no-any-return]

    def interp_first(self, c: Children) -> list[str | ast.Expr]:
        return [c[1]]

    def interp_str_first(self, c: Children) -> list[str | ast.Expr]:
        return [c[0], c[2]]

    def ind_str(self, c: Children) -> list[tuple[bool, str] | ast.Expr]:
        c[0].append((True, str(c[1])))
        return c[0]  # type: ignore[no-any-return]

    def ind_str_esc(self, c: Children) -> list[tuple[bool, str] | ast.Expr]:
        c[0].append((False, str(c[1])))
        return c[0]  # type: ignore[no-any-return]

    def ind_interp(self, c: Children) -> list[tuple[bool, str] | ast.Expr]:
        c[0].append(c[2])
        return c[0]  # type: ignore[no-any-return]

    def ind_empty(self, c: Children) -> list[tuple[bool, str] | ast.Expr]:
        return []

    # -- bindings

    def binds_empty(self, c: Children) -> ast.AttrSet:
        return ast.AttrSet(self.span(0, 0), False)

    def bind_first(self, c: Children) -> ast.AttrSet:
        attrs = ast.AttrSet(self.span(c[0].start, c[0].start), False)
        self.add_attr(attrs, c[0], c[2])
        return attrs

    def bind_more(self, c: Children) -> ast.AttrSet:
        self.add_attr(c[0], c[1], c[3])
        return c[0]  # type: ignore[no-any-return]

    def bind_inherit(self, c: Children) -> ast.AttrSet:
        attrs: ast.AttrSet = c[0]
        for name, span in c[2]:
            self.check_inherit(attrs, name, span)
            attrs.attrs[name] = ast.AttrEntry(ast.Var(span, name), span, ast.AttrKind.INHERITED)
        return attrs

    def bind_inherit_from(self, c: Children) -> ast.AttrSet:
        attrs: ast.AttrSet = c[0]
        source_expr: ast.Expr = c[3]
        index = len(attrs.inherit_from)
        attrs.inherit_from.append(source_expr)
        origin = ast.InheritSource(source_expr.span, index)
        for name, span in c[5]:
            self.check_inherit(attrs, name, span)
            value = ast.Select(span, origin, [name])
            attrs.attrs[name] = ast.AttrEntry(value, span, ast.AttrKind.INHERITED_FROM, index)
        return attrs

    def check_inherit(self, attrs: ast.AttrSet, name: str, span: Span) -> None:
        previous = attrs.attrs.get(name)
        if previous is not None:
            raise self.dup_attr([name], span, previous.span)

    def add_attr(self, attrs: ast.AttrSet, path: _AttrPath, value: ast.Expr) -> None:
        """Define ``path = value`` in ``attrs``, merging into the sets that earlier paths (or
        set literals) made, as C++ Nix's ``addAttr`` does."""
        names = path.names
        at = self.span(path.start, path.end)
        for depth, name in enumerate(names[:-1], 1):
            if isinstance(name, str):
                entry = attrs.attrs.get(name)
                if entry is None:
                    nested = ast.AttrSet(at, False)
                    attrs.attrs[name] = ast.AttrEntry(nested, at)
                elif entry.kind is not ast.AttrKind.INHERITED and isinstance(
                    entry.value, ast.AttrSet
                ):
                    nested = entry.value
                else:
                    raise self.dup_attr(names[:depth], at, entry.span)
            else:
                nested = ast.AttrSet(at, False)
                attrs.dynamic.append(ast.DynamicAttr(name, nested, at))
            attrs = nested
        last = names[-1]
        if not isinstance(last, str):
            attrs.dynamic.append(ast.DynamicAttr(last, value, at))
            return
        self.define(attrs, names, ast.AttrEntry(value, at))

    def define(self, attrs: ast.AttrSet, names: list[ast.AttrName], entry: ast.AttrEntry) -> None:
        """Define the last of ``names`` in ``attrs``; where it exists and both values are
        set literals, the new set's bindings join the old one, recursively."""
        name = names[-1]
        assert isinstance(name, str)
        previous = attrs.attrs.get(name)
        if previous is None:
            attrs.attrs[name] = entry
        elif isinstance(previous.value, ast.AttrSet) and isinstance(entry.value, ast.AttrSet):
            self.merge(previous.value, entry.value, names)
        else:
            raise self.dup_attr(names, entry.span, previous.span)

    def merge(self, into: ast.AttrSet, other: ast.AttrSet, names: list[ast.AttrName]) -> None:
        """``a = { x = 1; }; a = { y = 2; };``: the second set's bindings join the first."""
        shift = len(into.inherit_from)
        moved: set[int] = set()
        for name, entry in other.attrs.items():
            if entry.kind is ast.AttrKind.INHERITED_FROM and entry.source is not None:
                # C++ Nix 2.26 shifts a shared source once per name here, and then fails
                # an assertion when it prints or evaluates the set: we shift it once.
                entry.source += shift
                assert isinstance(entry.value, ast.Select)
                origin = entry.value.expr
                if isinstance(origin, ast.InheritSource) and id(origin) not in moved:
                    moved.add(id(origin))
                    origin.index += shift
            self.define(into, [*names, name], entry)
        into.dynamic.extend(other.dynamic)
        into.inherit_from.extend(other.inherit_from)

    # -- attribute paths

    def attrs_name(self, c: Children) -> list[tuple[str, Span]]:
        c[0].append((self.intern(str(c[1])), self.tspan(c[1])))
        return c[0]  # type: ignore[no-any-return]

    def attrs_string(self, c: Children) -> list[tuple[str, Span]]:
        attr: _StringAttr = c[1]
        name = _plain_string(attr.expr)
        if name is None:
            raise self.error("dynamic attributes not allowed in inherit", attr.start)
        c[0].append((self.intern(name), self.span(attr.start, attr.end)))
        return c[0]  # type: ignore[no-any-return]

    def attrs_empty(self, c: Children) -> list[tuple[str, Span]]:
        return []

    def attrpath_first(self, c: Children) -> _AttrPath:
        token = c[0]
        return _AttrPath([self.intern(str(token))], token.start_pos, token.end_pos)

    def attrpath_first_string(self, c: Children) -> _AttrPath:
        attr: _StringAttr = c[0]
        return _AttrPath([self.string_attr_name(attr)], attr.start, attr.end)

    def attrpath_more(self, c: Children) -> _AttrPath:
        path: _AttrPath = c[0]
        path.names.append(self.intern(str(c[2])))
        path.end = c[2].end_pos
        return path

    def attrpath_more_string(self, c: Children) -> _AttrPath:
        path: _AttrPath = c[0]
        attr: _StringAttr = c[2]
        path.names.append(self.string_attr_name(attr))
        path.end = attr.end
        return path

    def string_attr_name(self, attr: _StringAttr) -> ast.AttrName:
        name = _plain_string(attr.expr)
        return attr.expr if name is None else self.intern(name)

    def string_attr_quoted(self, c: Children) -> _StringAttr:
        start, end = c[0].start_pos, c[2].end_pos
        return _StringAttr(self.make_string(c[1], start, end), start, end)

    def string_attr_dynamic(self, c: Children) -> _StringAttr:
        return _StringAttr(c[1], c[0].start_pos, c[2].end_pos)


def _call_position(expr: ast.Expr) -> int | None:
    """Where C++ Nix's tree has a call for ``expr``, if it has one: an application (``f
    or`` too), ``-x``, ``<x>`` or an operator of :data:`_CALL_OPERATORS`."""
    if isinstance(expr, ast.Apply | ast.SearchPath):
        return expr.span.start
    if isinstance(expr, ast.UnaryOp):
        return expr.span.start if expr.op == "neg" else None
    if isinstance(expr, ast.BinOp) and expr.op in _CALL_OPERATORS and expr.op_span is not None:
        return expr.op_span.start
    return None


def _plain(pieces: list[str | ast.Expr]) -> list[str | ast.Expr]:
    """The pieces with tokens (kept until now for their positions) as plain text."""
    return [p if isinstance(p, ast.Expr) else str(p) for p in pieces]


def _end_of(piece: str | ast.Expr | NixToken) -> int:
    if isinstance(piece, NixToken):
        return piece.end_pos or 0
    if isinstance(piece, ast.Expr):
        return piece.span.end
    return 0


# -- the LALR loop ---------------------------------------------------------------------------

_BUILDER = _Builder()
_LOCK = threading.Lock()

Reduction = tuple[int, str, Callable[[Children], Any] | None]

#: ``(length, name, callback)`` of each rule, with the builder's methods bound; None for an
#: inlined ``?rule`` alternative (no callback in the tables): its value is its one symbol's.
_REDUCTIONS: tuple[Reduction, ...] = tuple(
    (size, name, None if callback is None else getattr(_BUILDER, callback))
    for name, size, callback in RULES
)

#: The token that follows the last one: where it is reported, the lexer says.
_EOF = NixToken("$END", "", 0, 0)


def _run(lexer: Lexer) -> ast.Expr:
    """Shift the tokens, reducing by the tables' actions, until the grammar's start symbol
    is reduced at the end of the input (the state ``END``, which has no actions).

    The state on top of the stack is kept apart from those below it (``state``), so that a
    rule of one symbol, the commonest, replaces it without touching the stack."""
    states = STATES
    reductions = _REDUCTIONS
    state = START
    below: list[int] = []
    values: list[Any] = []
    push_state = below.append
    push_value = values.append
    for token in itertools.chain(lexer.tokens(), (_EOF,)):
        kind = token.type
        while True:
            action = states[state].get(kind)
            if action is None:
                if state == END and token is _EOF:
                    return values[-1]  # type: ignore[no-any-return]
                raise _syntax_error(token, [*below, state], values, lexer)
            if action >= 0:
                push_state(state)
                state = action
                push_value(token)
                break
            size, name, callback = reductions[~action]
            if size == 1:
                if callback is not None:
                    values[-1] = callback(values[-1:])
            elif size:
                args = values[-size:]
                del values[-size:]
                del below[1 - size :]
                push_value(callback(args))  # type: ignore[misc]
            else:
                push_state(state)
                push_value(callback([]))  # type: ignore[misc]
                state = states[state][name]
                continue
            state = states[below[-1]][name]
    raise AssertionError("the end of the input is always reduced or refused")


# -- syntax errors as bison reports them -----------------------------------------------------

_DEFAULTS: dict[int, int | None] = {}


def _default_reduction(state: int) -> int | None:
    """Bison's default reduction of ``state``: the rule it reduces for the most lookaheads
    (the first rule on ties), or None where the state only shifts."""
    if state not in _DEFAULTS:
        counts: dict[int, int] = {}
        for action in STATES[state].values():
            if action < 0:
                counts[~action] = counts.get(~action, 0) + 1
        best = min(counts, key=lambda rule: (-counts[rule], rule)) if counts else None
        _DEFAULTS[state] = best
    return _DEFAULTS[state]


def _syntax_error(token: NixToken, stack: list[int], values: list[Any], lexer: Lexer) -> ParseError:
    """The error bison would report: after its default reductions (whose actions run, and
    may fail first), list what the state accepts, if that is at most four tokens."""
    while True:
        action = STATES[stack[-1]].get(token.type)
        if action is None:
            rule = _default_reduction(stack[-1])
        else:
            rule = ~action if action < 0 else None
        if rule is None:
            break
        size, name, callback = _REDUCTIONS[rule]
        args = values[-size:] if size else []
        if size:
            del stack[-size:]
            del values[-size:]
        values.append(args[0] if callback is None else callback(args))
        target = STATES[stack[-1]][name]
        assert target >= 0
        stack.append(target)
    # the state after the start symbol has no actions; bison's expects the end there
    accepted = STATES[stack[-1]] if stack[-1] != END else {"$END": None}
    expected = sorted(
        {token_name(t) for t in accepted if t.isupper()},
        key=lambda name: _BISON_RANK.get(_kind_of(name), 999),
    )
    if token.type == "$END":
        start = lexer.eof_pos
    else:
        start = token.start_pos or 0
    message = f"syntax error, unexpected {token_name(token.type)}"
    if 0 < len(expected) <= 4:
        message += ", expecting " + " or ".join(expected)
    return ParseError(message, Span(lexer.source, start, start))


def _kind_of(name: str) -> str:
    if name == "end of file":
        return "$END"
    for kind, char in _CHAR_NAMES.items():
        if name == f"'{char}'":
            return kind
    return name


# -- entry points ----------------------------------------------------------------------------


def parse(
    source: Source,
    warn: Callable[[str], None] | None = None,
    names: Collection[str] | None = BASE_NAMES,
    features: Collection[str] = (),
) -> ast.Expr:
    """Parse one Nix source, or raise :class:`ParseError` as C++ Nix would refuse it.

    ``warn`` receives the warnings C++ Nix prints while parsing (the text after
    ``warning: ``), in order. ``names`` are those of the base environment the code will
    see (by default ``nix-instantiate``'s): a variable neither they nor the code defines
    is refused, as C++ Nix's parser refuses it; None checks no variable. ``features`` are
    the experimental features enabled (those of
    :data:`~tvix_eval.settings.SYNTAX_FEATURES` change the syntax)."""
    lexer = Lexer(source, "pipe-operators" in features)
    with _LOCK:
        builder = _BUILDER
        builder.source = source
        builder.lexer = lexer
        builder.symbols = dict(STARTUP_SYMBOLS)
        builder.extent = {}
        builder.cursed = set()
        builder.warn = warn
        builder.url_literals = "no-url-literals" not in features
        tree = _run(lexer)
        if names is not None:
            check_variables(tree, names, builder.symbols)
        return tree


def parse_text(text: str, name: str = "«string»", path: str | None = None) -> ast.Expr:
    """Parse ``text`` (already decoded with surrogateescape) as the source ``name``."""
    return parse(Source(name, text, path))
