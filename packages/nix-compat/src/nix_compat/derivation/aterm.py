"""The ATerm form of a derivation: the bytes of a ``.drv`` file.

``Derive([outputs],[inputDrvs],[inputSrcs],"system","builder",[args],[env])``, or
``DrvWithVersion("xp-dyn-drv",...)`` when an input uses dynamic outputs.

The parser accepts only the canonical form C++ Nix writes: sorted, without duplicates, with
the escapes it uses and nothing after the closing parenthesis. A ``.drv`` is named by the hash
of its bytes, so a file that C++ Nix would have written differently is not the file its name
promises; refusing it (with the byte where it departs) keeps ``parse`` then ``write`` exact.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Final

from nix_compat.content_address import ContentAddress
from nix_compat.errors import DerivationError, HashError, StorePathError
from nix_compat.hash import ALGORITHMS, NixHash
from nix_compat.store_path import DEFAULT_STORE_DIR, StorePath

from .model import (
    DRV_EXTENSION,
    DeferredOutput,
    Derivation,
    FixedOutput,
    FloatingOutput,
    ImpureOutput,
    InputAddressedOutput,
    InputDrvOutputs,
    Output,
    byte_key,
    method_algo,
    split_method_algo,
)
from .paths import fixed_output_path

__all__ = [
    "drv_name_from_path",
    "name_from_env",
    "parse_aterm",
    "position_of",
    "write_aterm",
    "write_aterm_filled",
    "write_aterm_masked",
    "write_aterm_pair",
]

DYN_DRV_VERSION: Final = "xp-dyn-drv"
#: Deeper dynamic-output nesting than this is refused rather than risking the Python stack.
MAX_NESTING: Final = 200

#: The letters that may follow a backslash in a string, as C++ Nix writes them.
_ESCAPES: Final = frozenset(b'nrt"\\')
#: A string's body: runs of plain bytes and backslash pairs (the unrolled form is fast in ``re``).
_STRING_BODY: Final = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)


# -- writing ---------------------------------------------------------------------------------


_NEEDS_ESCAPES: Final = re.compile(rb'[\\"\n\r\t]')


def _escaped(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogateescape")
    if _NEEDS_ESCAPES.search(raw) is None:  # most strings: one scan instead of five
        return b'"' + raw + b'"'
    if b"\\" in raw:
        raw = raw.replace(b"\\", b"\\\\")
    if b'"' in raw:
        raw = raw.replace(b'"', b'\\"')
    if b"\n" in raw:
        raw = raw.replace(b"\n", b"\\n")
    if b"\r" in raw:
        raw = raw.replace(b"\r", b"\\r")
    if b"\t" in raw:
        raw = raw.replace(b"\t", b"\\t")
    return b'"' + raw + b'"'


def _unescaped(text: str) -> bytes:
    # C++ Nix writes store paths, output names, hashes and the system without escaping.
    return b'"' + text.encode("utf-8", "surrogateescape") + b'"'


def _list(items: Iterable[bytes]) -> bytes:
    return b"[" + b",".join(items) + b"]"


def _output_fields(
    drv: Derivation, name: str, output: Output, mask: bool, store_dir: str
) -> tuple[str, str, str]:
    if isinstance(output, InputAddressedOutput):
        return ("" if mask else output.path.to_absolute_path(store_dir), "", "")
    if isinstance(output, FixedOutput):
        path = ""
        if not mask:
            path = _fixed_path(drv, name, output, store_dir).to_absolute_path(store_dir)
        return (
            path,
            method_algo(output.ca.method, output.ca.hash.algo),
            output.ca.hash.to_base16(),
        )
    if isinstance(output, FloatingOutput):
        return ("", method_algo(output.method, output.algo), "")
    if isinstance(output, ImpureOutput):
        return ("", method_algo(output.method, output.algo), "impure")
    return ("", "", "")


def _fixed_path(drv: Derivation, name: str, output: FixedOutput, store_dir: str) -> StorePath:
    if output.path is not None:
        return output.path
    return fixed_output_path(drv.name, name, output.ca, store_dir)


def _write_node(node: InputDrvOutputs) -> bytes:
    names = _list(_unescaped(o) for o in node.sorted_outputs())
    if not node.dynamic:
        return names
    children = (
        b"(" + _unescaped(out) + b"," + _write_node(child) + b")"
        for out, child in node.sorted_dynamic()
    )
    return b"(" + names + b"," + _list(children) + b")"


def write_aterm(
    drv: Derivation,
    *,
    mask_outputs: bool = False,
    store_dir: str = DEFAULT_STORE_DIR,
    actual_inputs: Mapping[str, InputDrvOutputs] | None = None,
) -> bytes:
    """The ``.drv`` bytes C++ Nix writes for ``drv``.

    ``mask_outputs`` blanks output paths and the environment variables named after outputs,
    as when an input-addressed derivation's own output paths are computed. ``actual_inputs``
    replaces the input derivations (keyed by their hash modulo) for ``hashDerivationModulo``.
    """
    with _surrogates_reported():
        head = _head(drv, mask_outputs, store_dir)
        return head + _inputs(drv, store_dir, actual_inputs) + _tail(drv, mask_outputs, store_dir)


def write_aterm_pair(
    drv: Derivation,
    actual_inputs: Mapping[str, InputDrvOutputs],
    store_dir: str = DEFAULT_STORE_DIR,
) -> tuple[bytes, bytes]:
    """The ``.drv`` bytes of ``drv`` and those its (unmasked) hash modulo is taken of, with
    the input derivations replaced by ``actual_inputs``: written together, since they differ
    only there (a derivation needs both, once for its own path and once for its users')."""
    with _surrogates_reported():
        head = _head(drv, False, store_dir)
        tail = _tail(drv, False, store_dir)
        own = head + _inputs(drv, store_dir, None) + tail
        return own, head + _inputs(drv, store_dir, actual_inputs) + tail


def write_aterm_masked(
    drv: Derivation,
    actual_inputs: Mapping[str, InputDrvOutputs],
    store_dir: str = DEFAULT_STORE_DIR,
) -> tuple[bytes, bytes]:
    """The bytes an input-addressed derivation's output paths come from (outputs masked,
    input derivations as ``actual_inputs``), and their tail for :func:`write_aterm_filled`."""
    with _surrogates_reported():
        tail = _tail(drv, True, store_dir)
        return _head(drv, True, store_dir) + _inputs(drv, store_dir, actual_inputs) + tail, tail


def write_aterm_filled(
    drv: Derivation,
    masked_tail: bytes,
    actual_inputs: Mapping[str, InputDrvOutputs],
    store_dir: str = DEFAULT_STORE_DIR,
) -> tuple[bytes, bytes]:
    """:func:`write_aterm_pair` of ``drv``, whose output paths were just computed from
    :func:`write_aterm_masked`: its tail is that one with the outputs' variables filled in.

    An output's variable in the masked tail is the bytes ``("name","")``: with every quote
    inside a string escaped, they can stand for nothing else."""
    with _surrogates_reported():
        tail = masked_tail
        for name in drv.outputs:
            value = drv.env.get(name)
            if value:
                blank = b"(" + _escaped(name) + b',"")'
                tail = tail.replace(blank, b"(" + _escaped(name) + b"," + _escaped(value) + b")", 1)
        head = _head(drv, False, store_dir)
        own = head + _inputs(drv, store_dir, None) + tail
        return own, head + _inputs(drv, store_dir, actual_inputs) + tail


@contextlib.contextmanager
def _surrogates_reported() -> Iterator[None]:
    """Turns the one failure writing can meet into a DerivationError naming the string."""
    try:
        yield
    except UnicodeEncodeError as e:
        # Only a lone surrogate that surrogateescape did not make gets here.
        near = e.object[max(0, e.start - 20) : e.end + 20]
        raise DerivationError(
            f"string {near!r} holds {e.object[e.start]!r}, which is neither text nor a byte"
        ) from None


def _head(drv: Derivation, mask_outputs: bool, store_dir: str) -> bytes:
    """``Derive(`` and the outputs."""
    start = (
        b"DrvWithVersion(" + _unescaped(DYN_DRV_VERSION) + b","
        if drv.has_dynamic_inputs()
        else b"Derive("
    )
    outputs = []
    for name, output in drv.sorted_outputs():
        fields = _output_fields(drv, name, output, mask_outputs, store_dir)
        outputs.append(b"(" + b",".join(_unescaped(f) for f in (name, *fields)) + b")")
    return start + _list(outputs)


def _inputs(
    drv: Derivation, store_dir: str, actual_inputs: Mapping[str, InputDrvOutputs] | None
) -> bytes:
    """The input derivations: by path, or as ``actual_inputs`` replaces them."""
    if actual_inputs is None:
        inputs = [
            (path.to_absolute_path(store_dir), node) for path, node in drv.sorted_input_drvs()
        ]
    else:
        inputs = sorted(actual_inputs.items(), key=lambda item: byte_key(item[0]))
    return b"," + _list(
        b"(" + _unescaped(key) + b"," + _write_node(node) + b")" for key, node in inputs
    )


def _tail(drv: Derivation, mask_outputs: bool, store_dir: str) -> bytes:
    """Sources, system, builder, arguments and environment, and the closing parenthesis."""
    out = bytearray(
        b"," + _list(_unescaped(p.to_absolute_path(store_dir)) for p in drv.sorted_input_srcs())
    )
    out += b"," + _unescaped(drv.system)
    out += b"," + _escaped(drv.builder)
    out += b"," + _list(_escaped(a) for a in drv.args)
    env = []
    for key, value in drv.sorted_env():
        if mask_outputs and key in drv.outputs:
            value = ""
        env.append(b"(" + _escaped(key) + b"," + _escaped(value) + b")")
    out += b"," + _list(env) + b")"
    return bytes(out)


# -- parsing ---------------------------------------------------------------------------------


def position_of(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in bytes) of ``offset``."""
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def _show(data: bytes, offset: int) -> str:
    if offset >= len(data):
        return "end of input"
    return repr(data[offset : offset + 1].decode("latin-1"))


class _Reader:
    """A cursor over the ``.drv`` bytes that knows how to say where it is."""

    def __init__(self, data: bytes, store_dir: str) -> None:
        self.data = data
        self.pos = 0
        self.store_dir = store_dir

    def error(
        self, message: str, offset: int | None = None, field: str | None = None
    ) -> DerivationError:
        where = self.pos if offset is None else offset
        line, column = position_of(self.data, where)
        return DerivationError(message, offset=where, line=line, column=column, field=field)

    def expect(self, token: bytes, field: str | None = None) -> None:
        if not self.data.startswith(token, self.pos):
            # Point at the first byte that differs, not at the start of the token.
            at = self.pos
            while (
                at < len(self.data)
                and at - self.pos < len(token)
                and (self.data[at] == token[at - self.pos])
            ):
                at += 1
            wanted = token.decode()
            raise self.error(f"expected '{wanted}', found {_show(self.data, at)}", at, field)
        self.pos += len(token)

    def peek(self) -> int:
        return self.data[self.pos] if self.pos < len(self.data) else -1

    def raw_string(self, field: str) -> bytes:
        """A quoted string with its escapes undone."""
        self.expect(b'"', field)
        data = self.data
        start = self.pos
        end = self._closing_quote(start, field)
        self.pos = end + 1
        raw = data[start:end]
        if b"\\" not in raw:
            return raw
        # Split on escaped backslashes first (left to right, as a reader would pair them);
        # every backslash left in a piece then starts a one-letter escape.
        pieces = raw.split(b"\\\\")
        for index, piece in enumerate(pieces):
            if b"\\" in piece:
                piece = (
                    piece.replace(b"\\n", b"\n")
                    .replace(b"\\r", b"\r")
                    .replace(b"\\t", b"\t")
                    .replace(b'\\"', b'"')
                )
                if b"\\" in piece:
                    raise self._bad_escape(start, end, field)
                pieces[index] = piece
        return b"\\".join(pieces)

    def _closing_quote(self, start: int, field: str) -> int:
        """The offset of the quote that ends the string starting at ``start``."""
        end = _STRING_BODY.match(self.data, start).end()  # type: ignore[union-attr]
        if end >= len(self.data) or self.data[end] != 0x22:  # no closing quote before the end
            raise self.error("unterminated string", start - 1, field)
        return end

    def _bad_escape(self, start: int, end: int, field: str) -> DerivationError:
        """Find the first escape that is not one C++ Nix writes, for the error message."""
        at = start
        while at < end:
            if self.data[at] == 0x5C:
                if self.data[at + 1] not in _ESCAPES:
                    seq = self.data[at : at + 2].decode("latin-1")
                    return self.error(f"invalid escape {seq!r} in string", at, field)
                at += 2
            else:
                at += 1
        raise AssertionError("no bad escape between the quotes")  # pragma: no cover

    def string(self, field: str) -> str:
        return self.raw_string(field).decode("utf-8", "surrogateescape")

    def list_of(self, item: Callable[[int], None], field: str) -> None:
        """``[a,b,...]``: calls ``item(index)`` for each element."""
        self.expect(b"[", field)
        if self.peek() == ord("]"):
            self.pos += 1
            return
        index = 0
        while True:
            item(index)
            index += 1
            if self.peek() == ord("]"):
                self.pos += 1
                return
            self.expect(b",", field)

    def strings(self, field: str) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []

        def item(index: int) -> None:
            found.append((self.pos, self.string(f"{field}[{index}]")))

        self.list_of(item, field)
        return found

    def store_path(self, offset: int, text: str, field: str) -> StorePath:
        try:
            return StorePath.from_absolute_path(text, self.store_dir)
        except StorePathError as e:
            raise self.error(f"bad store path: {e}", offset, field) from None


def _check_sorted(reader: _Reader, keyed: list[tuple[int, bytes]], field: str, what: str) -> None:
    for (_, before), (offset, after) in itertools.pairwise(keyed):
        if after == before:
            raise reader.error(
                f"duplicate {what} '{after.decode(errors='replace')}'", offset, field
            )
        if after < before:
            raise reader.error(
                f"{what} '{after.decode(errors='replace')}' is out of order "
                f"(C++ Nix writes them sorted)",
                offset,
                field,
            )


def _parse_output(reader: _Reader, name: str) -> Output:
    field = f"outputs.{name}"
    reader.expect(b",", field)
    path_at = reader.pos
    path = reader.string(f"{field}.path")
    reader.expect(b",", field)
    algo_at = reader.pos
    algo_text = reader.string(f"{field}.hashAlgo")
    reader.expect(b",", field)
    hash_at = reader.pos
    hash_text = reader.string(f"{field}.hash")
    reader.expect(b")", field)

    if not algo_text:
        if hash_text:
            raise reader.error("output has a hash but no hash algorithm", hash_at, f"{field}.hash")
        if not path:
            return DeferredOutput()
        return InputAddressedOutput(reader.store_path(path_at, path, f"{field}.path"))

    method, algo = split_method_algo(algo_text)
    if algo not in ALGORITHMS:
        known = ", ".join(ALGORITHMS)
        raise reader.error(
            f"unknown hash algorithm '{algo_text}' (known: {known}, optionally after "
            "'r:', 'text:' or 'git:')",
            algo_at,
            f"{field}.hashAlgo",
        )
    if hash_text == "impure":
        if path:
            raise reader.error("impure output must not have a path", path_at, f"{field}.path")
        return ImpureOutput(method, algo)
    if not hash_text:
        if path:
            raise reader.error(
                "floating content-addressed output must not have a path", path_at, f"{field}.path"
            )
        return FloatingOutput(method, algo)
    try:
        ca = ContentAddress(method, NixHash.parse(hash_text, algo))
    except HashError as e:
        raise reader.error(f"bad output hash: {e}", hash_at, f"{field}.hash") from None
    return FixedOutput(ca, reader.store_path(path_at, path, f"{field}.path"))


def _parse_outputs(reader: _Reader) -> dict[str, Output]:
    outputs: dict[str, Output] = {}
    order: list[tuple[int, bytes]] = []

    def item(_: int) -> None:
        reader.expect(b"(", "outputs")
        at = reader.pos
        name = reader.string("outputs")
        order.append((at, byte_key(name)))
        outputs[name] = _parse_output(reader, name)

    reader.list_of(item, "outputs")
    _check_sorted(reader, order, "outputs", "output")
    return outputs


def _parse_node(reader: _Reader, field: str, versioned: bool, depth: int) -> InputDrvOutputs:
    if depth > MAX_NESTING:
        raise reader.error(f"dynamic outputs nested deeper than {MAX_NESTING}", field=field)

    def names() -> frozenset[str]:
        found = reader.strings(field)
        _check_sorted(reader, [(at, byte_key(s)) for at, s in found], field, "output name")
        return frozenset(s for _, s in found)

    if not versioned or reader.peek() == ord("["):
        return InputDrvOutputs(names())
    reader.expect(b"(", field)
    outputs = names()
    reader.expect(b",", field)
    dynamic: dict[str, InputDrvOutputs] = {}
    order: list[tuple[int, bytes]] = []

    def child(_: int) -> None:
        reader.expect(b"(", field)
        at = reader.pos
        out = reader.string(field)
        order.append((at, byte_key(out)))
        reader.expect(b",", field)
        dynamic[out] = _parse_node(reader, f"{field}.{out}", versioned, depth + 1)
        reader.expect(b")", field)

    reader.list_of(child, field)
    _check_sorted(reader, order, field, "dynamic output")
    reader.expect(b")", field)
    return InputDrvOutputs(outputs, dynamic)


def _parse_input_drvs(reader: _Reader, versioned: bool) -> dict[StorePath, InputDrvOutputs]:
    inputs: dict[StorePath, InputDrvOutputs] = {}
    order: list[tuple[int, bytes]] = []

    def item(index: int) -> None:
        reader.expect(b"(", "inputDrvs")
        at = reader.pos
        text = reader.string(f"inputDrvs[{index}]")
        path = reader.store_path(at, text, f"inputDrvs[{index}]")
        order.append((at, byte_key(text)))
        reader.expect(b",", "inputDrvs")
        inputs[path] = _parse_node(reader, f"inputDrvs.{text}", versioned, 0)
        reader.expect(b")", "inputDrvs")

    reader.list_of(item, "inputDrvs")
    _check_sorted(reader, order, "inputDrvs", "input derivation")
    return inputs


def _parse_env(reader: _Reader) -> dict[str, str]:
    env: dict[str, str] = {}
    order: list[tuple[int, bytes]] = []

    def item(_: int) -> None:
        reader.expect(b"(", "env")
        at = reader.pos
        key = reader.raw_string("env")
        order.append((at, key))
        name = key.decode("utf-8", "surrogateescape")
        reader.expect(b",", f"env.{name}")
        env[name] = reader.string(f"env.{name}")
        reader.expect(b")", f"env.{name}")

    reader.list_of(item, "env")
    _check_sorted(reader, order, "env", "environment variable")
    return env


def name_from_env(env: Mapping[str, str]) -> str | None:
    """The derivation name recorded in its environment (``name``, or ``__json``'s)."""
    if "name" in env:
        return env["name"]
    if "__json" in env:
        import json

        try:
            # Only the name is wanted: numbers are left as text, so that one of thousands of
            # digits (valid JSON, which int() would refuse) does not lose the name.
            attrs = json.loads(
                env["__json"].encode("utf-8", "surrogateescape"), parse_int=str, parse_float=str
            )
        except (ValueError, RecursionError):
            # Not JSON, or nested deeper than Python's decoder recurses: no name from it.
            return None
        name = attrs.get("name") if isinstance(attrs, dict) else None
        return name if isinstance(name, str) else None
    return None


def parse_aterm(
    data: bytes, *, name: str | None = None, store_dir: str = DEFAULT_STORE_DIR
) -> Derivation:
    """Parse ``.drv`` bytes.

    ``name`` is the derivation's name (from its file name, ``<hash>-<name>.drv``); without
    it the name is taken from the environment. Raises :class:`DerivationError` with the byte
    offset, line and column of the first problem.
    """
    reader = _Reader(data, store_dir)
    versioned = False
    if data.startswith(b"DrvWithVersion("):
        reader.pos = len(b"DrvWithVersion(")
        at = reader.pos
        version = reader.string("version")
        if version != DYN_DRV_VERSION:
            raise reader.error(f"unknown derivation ATerm version '{version}'", at, "version")
        reader.expect(b",")
        versioned = True
    else:
        reader.expect(b"Derive(")
    outputs = _parse_outputs(reader)
    reader.expect(b",")
    input_drvs = _parse_input_drvs(reader, versioned)
    reader.expect(b",")
    src_list = reader.strings("inputSrcs")
    input_srcs = [reader.store_path(at, s, f"inputSrcs[{i}]") for i, (at, s) in enumerate(src_list)]
    _check_sorted(reader, [(at, byte_key(s)) for at, s in src_list], "inputSrcs", "input source")
    reader.expect(b",")
    system = reader.string("system")
    reader.expect(b",")
    builder = reader.string("builder")
    reader.expect(b",")
    args = [s for _, s in reader.strings("args")]
    reader.expect(b",")
    env = _parse_env(reader)
    reader.expect(b")")
    if reader.pos != len(data):
        raise reader.error("unexpected data after the end of the derivation")

    if name is None:
        name = name_from_env(env)
        if name is None:
            raise DerivationError(
                "derivation name unknown: no file name given and no 'name' in env", field="name"
            )
    drv = Derivation(
        name, outputs, input_drvs, frozenset(input_srcs), system, builder, tuple(args), env
    )
    _check_canonical(reader, drv, versioned)
    return drv


def _check_canonical(reader: _Reader, drv: Derivation, versioned: bool) -> None:
    """Refuse bytes that C++ Nix would write differently (see the module docstring)."""
    if versioned and not drv.has_dynamic_inputs():
        raise reader.error(
            "versioned ATerm without dynamic outputs (C++ Nix writes 'Derive(' here)", 0, "version"
        )
    again = write_aterm(drv, store_dir=reader.store_dir)
    if again == reader.data:
        return
    at = next(
        (i for i, (a, b) in enumerate(zip(again, reader.data, strict=False)) if a != b),
        min(len(again), len(reader.data)),
    )
    raise reader.error(
        "not in the canonical form C++ Nix writes "
        f"(expected {_show(again, at)}, found {_show(reader.data, at)})",
        at,
    )


def drv_name_from_path(path: StorePath) -> str:
    """The derivation name of a ``.drv`` store path (its name without ``.drv``)."""
    if not path.name.endswith(DRV_EXTENSION) or len(path.name) == len(DRV_EXTENSION):
        raise DerivationError(f"'{path}' is not a derivation path (must end in .drv)")
    return path.name[: -len(DRV_EXTENSION)]
