"""Every parser of nix-compat fed hostile input: mutated, truncated and made-up bytes and text.

The property is the one DESIGN.md promises users: bad input yields the package's own error
(:class:`~nix_compat.errors.NixCompatError` or a subclass), never another exception (an
IndexError, a foreign ValueError, UnicodeDecodeError, RecursionError, OverflowError, a
MemoryError from a huge length...), and never a hang. Where a parser accepts the input, what it
returns must also be usable: written back, listed, looked up.

Inputs start from valid samples built here (NARs, narinfo, ATerm and JSON derivations, a daemon
conversation recorded between our own client and server), then get bytes flipped, words
replaced by interesting lengths, pieces cut, repeated or inserted. Truncation is tried at every
offset, exhaustively. Hypothesis runs derandomized and without a database, so CI sees the same
examples every time; a watchdog fails a test that runs past its time instead of hanging CI.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import io
import json
import os
import signal
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nix_compat import nixbase32
from nix_compat.content_address import ContentAddress, ContentAddressMethod
from nix_compat.derivation import (
    DeferredOutput,
    Derivation,
    FixedOutput,
    FloatingOutput,
    ImpureOutput,
    InputAddressedOutput,
    InputDrvOutputs,
    from_json,
    parse_aterm,
    show_json,
    to_json,
    validate,
    write_aterm,
)
from nix_compat.errors import NixCompatError
from nix_compat.hash import HashFormat, NixHash
from nix_compat.nar import (
    Directory,
    NarReader,
    Regular,
    Symlink,
    cat,
    cat_listed,
    dumps_listing,
    list_nar,
    lookup,
    ls_lines,
    nar_bytes,
    parse_listing,
    read_node,
    restore,
)
from nix_compat.narinfo import NarInfo
from nix_compat.signing import Signature, SigningKey, VerifyingKey
from nix_compat.store_path import StorePath
from nix_compat.wire.client import DaemonClient
from nix_compat.wire.handshake import (
    PROTOCOL_VERSION,
    ProtocolVersion,
    client_handshake,
    server_handshake,
)
from nix_compat.wire.messages import (
    AddTempRoot,
    AddToStoreNar,
    ClientSettings,
    IsValidPath,
    NarFromPath,
    QueryMissing,
    QueryPathFromHashPart,
    QueryPathInfo,
    QueryValidPaths,
    SetOptions,
    ValidPathInfo,
    WireContext,
    read_request,
    write_request,
)
from nix_compat.wire.primitives import AsyncWireReader, FramedReader, WireReader, WireWriter
from nix_compat.wire.server import ServerConnection
from nix_compat.wire.stderr import read_error, read_stderr

support = importlib.import_module("wire_support")

T = TypeVar("T")

#: Examples per property: enough to find what the mutations find, few enough that the whole
#: module takes seconds. For a longer hunt by hand, ``NIX_COMPAT_FUZZ_EXAMPLES=5000`` (with
#: ``NIX_COMPAT_FUZZ_RANDOM=1`` for other examples than CI's).
EXAMPLES = int(os.environ.get("NIX_COMPAT_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("NIX_COMPAT_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: A test running longer than this is taken to hang.
WATCHDOG_SECONDS = 60


class Hang(BaseException):
    """The watchdog fired: a parser loops or waits forever."""


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    def fire(_signo: int, _frame: FrameType | None) -> None:
        raise Hang(f"still running after {WATCHDOG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, WATCHDOG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def ours(call: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call a parser; None when it refused the input with one of the package's errors.

    Any other exception escapes and fails the test, which is the point.
    """
    try:
        return call(*args, **kwargs)
    except NixCompatError:
        return None


# -- mutations -----------------------------------------------------------------------------------

#: Words that make length prefixes interesting: empty, odd, just past a padding, huge.
INTERESTING_U64 = (0, 1, 7, 8, 9, 255, 4095, 4096, 65536, 1 << 31, 1 << 32, 1 << 40, 1 << 63)
INTERESTING_U64 += ((1 << 64) - 1, (1 << 64) - 8)
#: Characters that mean something to one text format or another.
INTERESTING_CHARS = ':-=\n\r\t "\\()[],/.+0123456789az\x00\x7f\xe9\u00ff\u2028\U0001f600\udc80'
#: Pieces of text worth splicing in whole: JSON escapes and literals, numbers too large for
#: any integer type (or for Python's int() at all), store-path and hash fragments.
INTERESTING_TOKENS = (
    "\\udc80", "\\ud800", "\\u0000", "\\n", '\\"', "null", "true", "{}", "[]", '""',
    "-1", "1e400", "1.5", "18446744073709551616", "9223372036854775808", "9" * 5000,
    "0" * 30 + "1", "/nix/store/", "sha256:", "sha256-", "r:", "text:", "fixed:", "=", "==",
)  # fmt: skip
#: JSON values that break one assumption or another of a reader of documents.
INTERESTING_VALUES = st.sampled_from(
    [None, True, False, 0, -1, 1, 2**63, 2**64, 10**300, 1.5, float("inf"), "", "a/b", ".",
     "..", "\x00", "\udc80", "\ud800", "a", "out", [], {}]
)  # fmt: skip


@st.composite
def mutated_bytes(draw: st.DrawFn, samples: list[bytes]) -> bytes:
    """A sample with a few edits: flips, interesting words, cuts, repeats, insertions."""
    data = bytearray(draw(st.sampled_from(samples)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "byte", "word", "cut", "repeat", "insert", "end"]))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "byte" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "word":
            # Words sit at multiples of 8 in NARs and on the wire: hit the length prefixes.
            at -= at % 8
            word = draw(st.sampled_from(INTERESTING_U64)).to_bytes(8, "little")
            data[at : at + 8] = word
        elif op == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "end":
            del data[at:]
    return bytes(data)


@st.composite
def mutated_text(draw: st.DrawFn, samples: list[str]) -> str:
    """A sample with a few edits, in characters the formats give meaning to."""
    text = draw(st.sampled_from(samples))
    chars = st.text(
        st.sampled_from(INTERESTING_CHARS) | st.characters(), min_size=1, max_size=8
    ) | st.sampled_from(INTERESTING_TOKENS)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["replace", "insert", "cut", "repeat", "end"]))
        at = draw(st.integers(0, len(text)))
        if op == "replace":
            text = text[:at] + draw(chars) + text[at + 1 :]
        elif op == "insert":
            text = text[:at] + draw(chars) + text[at:]
        elif op == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif op == "repeat":
            text = text[:at] + text[at : at + draw(st.integers(1, 40))] + text[at:]
        else:
            text = text[:at]
    return text


def every_truncation(data: bytes, step: int = 1) -> Iterator[bytes]:
    yield from (data[:end] for end in range(0, len(data), step))


# -- NAR -----------------------------------------------------------------------------------------


def _sample_nars() -> list[bytes]:
    return [
        nar_bytes(Regular(b"")),
        nar_bytes(Regular(b"hello\n", executable=True)),
        nar_bytes(Symlink(b"../target")),
        nar_bytes(
            Directory(
                {
                    b"a": Regular(b"x" * 13),
                    b"b": Directory({b"c": Symlink(b"a"), b"d": Regular(b"", executable=True)}),
                    b"e": Directory(),
                    "\u00e9".encode(): Regular(bytes(range(40))),
                }
            )
        ),
    ]


NARS = _sample_nars()


class Trickle:
    """A stream that hands out at most ``step`` bytes per read and cannot seek: a pipe."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._step = step

    def read(self, n: int = -1) -> bytes:
        n = self._step if n < 0 else min(n, self._step)
        chunk = bytes(self._data[self._pos : self._pos + n])
        self._pos += len(chunk)
        return chunk


def exercise_nar(data: bytes) -> None:
    """Every NAR reader over ``data``: tree, listing (and its JSON), cat, a pipe-like source."""
    node = ours(read_node, data)
    listing = ours(list_nar, io.BytesIO(data))
    assert (node is None) == (listing is None)
    if listing is not None:
        assert node is not None and nar_bytes(node) == data  # one spelling per tree
        text = ours(dumps_listing, listing)  # refuses names that are not UTF-8
        if text is not None:
            assert parse_listing(text) == listing
        list(ls_lines(listing, "/", long=True, recursive=True))
    events = ours(lambda: [type(e).__name__ for e in NarReader(Trickle(data, 3))])
    assert (events is None) == (listing is None)
    for path in ("/", "/a", "/b/d", "/\u00e9"):
        ours(lambda p=path: b"".join(cat(io.BytesIO(data), p)))
        ours(lambda p=path: b"".join(cat(Trickle(data, 5), p)))


@FUZZ
@given(mutated_bytes(NARS))
def test_nar_readers_on_mutated_nars(data: bytes) -> None:
    exercise_nar(data)


def test_nar_readers_on_every_truncation() -> None:
    for nar in NARS:
        for data in every_truncation(nar):
            assert ours(read_node, data) is None
            assert ours(list_nar, Trickle(data, 7)) is None


@FUZZ
@given(st.binary(max_size=200))
def test_nar_readers_on_arbitrary_bytes(data: bytes) -> None:
    exercise_nar(nar_bytes(Regular(b"")) + data)
    exercise_nar(data)


@settings(FUZZ, max_examples=max(EXAMPLES // 4, 10))
@given(mutated_bytes(NARS))
def test_restore_of_mutated_nars_leaves_nothing_or_the_tree(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        dest = Path(folder) / "out"
        if ours(restore, io.BytesIO(data), dest) is None:
            assert os.listdir(folder) == []
        else:
            assert os.listdir(folder) == ["out"]


# -- NAR listings ------------------------------------------------------------------------------

LISTINGS = [dumps_listing(list_nar(io.BytesIO(nar))) for nar in NARS]
LISTINGS += [
    '{"root":{"type":"directory","entries":{"a":{"type":"regular","size":3,"narOffset":96}}},'
    '"version":1}'
]


def exercise_listing(text: str | bytes) -> None:
    listing = ours(parse_listing, text)
    if listing is None:
        return
    dumped = ours(dumps_listing, listing)
    list(ls_lines(listing, "/", long=True, recursive=True))
    if dumped is not None:
        assert parse_listing(dumped) == listing
    for path in ("/", "/a", "a/../a"):
        node = ours(lookup, listing, path)
        if node is not None:
            ours(lambda p=path: b"".join(cat_listed(io.BytesIO(NARS[3]), listing, p)))


@FUZZ
@given(mutated_text(LISTINGS))
def test_listing_parser_on_mutated_listings(text: str) -> None:
    exercise_listing(text)
    exercise_listing(text.encode("utf-8", "surrogatepass"))


def _listing_nodes() -> st.SearchStrategy[Any]:
    """Values shaped like listing nodes, with hostile field values and names."""
    names = st.sampled_from(["a", "b", "", ".", "..", "a/b", "\x00", "\udc80", "\u00e9"])
    leaf = st.fixed_dictionaries(
        {"type": st.sampled_from(["regular", "symlink", "directory", "socket", 1])},
        optional={
            "size": INTERESTING_VALUES | st.integers(),
            "narOffset": INTERESTING_VALUES | st.integers(),
            "executable": INTERESTING_VALUES,
            "target": INTERESTING_VALUES | st.text(INTERESTING_CHARS),
            "entries": INTERESTING_VALUES,
        },
    )
    return st.recursive(
        leaf | INTERESTING_VALUES,
        lambda inner: st.fixed_dictionaries(
            {"type": st.just("directory"), "entries": st.dictionaries(names, inner, max_size=3)}
        ),
        max_leaves=8,
    )


@FUZZ
@given(_listing_nodes(), INTERESTING_VALUES | st.just(1))
def test_listing_parser_on_made_up_json(root: Any, version: Any) -> None:
    exercise_listing(json.dumps({"root": root, "version": version}))


def test_listing_nested_too_deep_is_refused() -> None:
    deep = '{"type":"directory","entries":{"d":' * 100_000 + "{}" + "}}" * 100_000
    assert ours(parse_listing, '{"version":1,"root":' + deep + "}") is None


# -- narinfo ---------------------------------------------------------------------------------

NARINFO = (
    "StorePath: /nix/store/njkkw287yk24sz4v9491klxr1rnqa9ii-built2\n"
    "URL: nar/0kw6f2m971db8fv6zy8k9d4c6l70cs7whgm7g5r4g8f9c21w0sql.nar.zst\n"
    "Compression: zstd\n"
    "FileHash: sha256:0kw6f2m971db8fv6zy8k9d4c6l70cs7whgm7g5r4g8f9c21w0sql\n"
    "FileSize: 130\n"
    "NarHash: sha256:0b0yr5nshcwfhq4j1cd2n0gylbf9shf4cy26xx00jybikkfhphml\n"
    "NarSize: 168\n"
    "References: abxcn50cldw72vl3shm3i34gsa7bnz7b-dep.txt njkkw287yk24sz4v9491klxr1rnqa9ii-built2\n"
    "Deriver: anlnqvrsf42wl9b73k8y6a8j3xdgjnxa-built2.drv\n"
    "System: x86_64-linux\n"
    "Sig: test-key-1:M23NOmOCnLZjlz1+eScUMqQH2NAMhIyUjoTC6+KcWNCKHKmG1eK3ddpOH7XuXI7hcC9poT5W77"
    "ybd9LAaKK4CQ==\n"
    "CA: fixed:r:sha256:0b0yr5nshcwfhq4j1cd2n0gylbf9shf4cy26xx00jybikkfhphml\n"
)
NARINFOS = [NARINFO, NARINFO.replace("CA: fixed:r:", "CA: text:")]


def exercise_narinfo(data: str | bytes) -> None:
    info = ours(NarInfo.parse, data)
    if info is None:
        return
    written = info.to_string()  # sorted: the file's own order of references is not kept
    assert NarInfo.parse(written).to_string() == written
    ours(info.fingerprint)


@FUZZ
@given(mutated_text(NARINFOS))
def test_narinfo_parser_on_mutated_narinfos(text: str) -> None:
    exercise_narinfo(text)
    exercise_narinfo(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(mutated_bytes([n.encode() for n in NARINFOS]))
def test_narinfo_parser_on_mutated_bytes(data: bytes) -> None:
    exercise_narinfo(data)


def test_narinfo_parser_on_every_truncation() -> None:
    for data in every_truncation(NARINFO.encode()):
        exercise_narinfo(data)


# -- derivations -------------------------------------------------------------------------------

_DEP = StorePath.from_base_name("abxcn50cldw72vl3shm3i34gsa7bnz7b-dep.drv")
_SRC = StorePath.from_base_name("njkkw287yk24sz4v9491klxr1rnqa9ii-src")
_OUT = StorePath.from_base_name("anlnqvrsf42wl9b73k8y6a8j3xdgjnxa-hello")
_SHA = NixHash.of_bytes("sha256", b"fixed")


def _sample_derivations() -> list[Derivation]:
    env = {"name": "hello", "out": _OUT.to_absolute_path(), "x": 'quote " back \\ nl \n tab \t'}
    return [
        Derivation(
            "hello",
            {"out": InputAddressedOutput(_OUT)},
            {_DEP: InputDrvOutputs.of(["out", "dev"])},
            frozenset({_SRC}),
            "x86_64-linux",
            "/bin/sh",
            ("-c", "echo \u00e9 > $out", "\udcff"),
            env,
        ),
        Derivation(
            "fetched",
            {"out": FixedOutput(ContentAddress(ContentAddressMethod.NAR, _SHA))},
            system="builtin",
            builder="builtin:fetchurl",
            env={"name": "fetched", "url": "https://example.org"},
        ),
        Derivation(
            "floating",
            {"out": FloatingOutput(ContentAddressMethod.NAR, "sha256"), "doc": DeferredOutput()},
            system="x86_64-linux",
            builder="/bin/sh",
            env={"__json": json.dumps({"name": "floating", "x": [1, 2]})},
        ),
        Derivation(
            "impure",
            {"out": ImpureOutput(ContentAddressMethod.FLAT, "sha1")},
            {_DEP: InputDrvOutputs(frozenset({"out"}), {"sub": InputDrvOutputs.of(["out"])})},
            system="x86_64-linux",
            builder="/bin/sh",
            env={"name": "impure"},
        ),
    ]


DERIVATIONS = _sample_derivations()
ATERMS = [write_aterm(drv) for drv in DERIVATIONS]


def exercise_aterm(data: bytes) -> None:
    drv = ours(parse_aterm, data, name="hello")
    if drv is None:
        drv = ours(parse_aterm, data)  # the name from the environment
    if drv is None:
        return
    assert write_aterm(drv) == data  # only the canonical form is accepted
    ours(validate, drv)
    ours(show_json, {_DEP: drv})


def test_sample_derivations_are_valid_aterm() -> None:
    """Guards the fuzzing: the samples themselves parse and round-trip."""
    for data in ATERMS:
        assert write_aterm(parse_aterm(data, name="x")) == data


@FUZZ
@given(mutated_bytes(ATERMS))
def test_aterm_parser_on_mutated_derivations(data: bytes) -> None:
    exercise_aterm(data)


@FUZZ
@given(mutated_text([a.decode("utf-8", "surrogateescape") for a in ATERMS]))
def test_aterm_parser_on_mutated_text(text: str) -> None:
    exercise_aterm(text.encode("utf-8", "surrogatepass"))


def test_aterm_parser_on_every_truncation() -> None:
    for aterm in ATERMS:
        for data in every_truncation(aterm):
            assert ours(parse_aterm, data, name="x") is None


JSONS = [json.dumps(to_json(drv)) for drv in DERIVATIONS[:2]]


@FUZZ
@given(mutated_text(JSONS))
def test_derivation_json_on_mutated_documents(text: str) -> None:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return  # not JSON: from_json reads parsed documents
    drv = ours(from_json, document)
    if drv is not None:
        ours(write_aterm, drv)
        ours(validate, drv)


def _derivation_documents() -> st.SearchStrategy[dict[str, Any]]:
    """Values shaped like ``nix derivation show``'s, with hostile values in every field."""
    text = st.sampled_from(["out", "dev", "", "a b", "\udc80", "\x00"]) | st.text(max_size=5)
    paths = st.sampled_from(
        [_OUT.to_absolute_path(), _DEP.to_absolute_path(), "/nix/store/x", "", "\udc80"]
    )
    output = st.fixed_dictionaries(
        {},
        optional={
            "path": paths | INTERESTING_VALUES,
            "hashAlgo": st.sampled_from(["sha256", "md5", "r:sha256", "blake3"])
            | INTERESTING_VALUES,
            "method": st.sampled_from(["nar", "flat", "text", "git", "r"]) | INTERESTING_VALUES,
            "hash": st.sampled_from([_SHA.to_base16(), _SHA.to_sri(), "00"]) | INTERESTING_VALUES,
            "impure": INTERESTING_VALUES,
        },
    )
    node = st.recursive(
        st.lists(text, max_size=3) | INTERESTING_VALUES,
        lambda inner: st.fixed_dictionaries(
            {"outputs": st.lists(text, max_size=2) | INTERESTING_VALUES},
            optional={"dynamicOutputs": st.dictionaries(text, inner, max_size=2)},
        ),
        max_leaves=6,
    )
    strings = st.lists(text | INTERESTING_VALUES, max_size=3) | INTERESTING_VALUES
    return st.fixed_dictionaries(
        {
            "outputs": st.dictionaries(text, output | INTERESTING_VALUES, max_size=3),
            "inputDrvs": st.dictionaries(paths, node, max_size=2) | INTERESTING_VALUES,
            "inputSrcs": st.lists(paths | INTERESTING_VALUES, max_size=2) | INTERESTING_VALUES,
            "env": st.dictionaries(text, text | INTERESTING_VALUES, max_size=3),
            "args": strings,
            "builder": text | INTERESTING_VALUES,
            "system": text | INTERESTING_VALUES,
            "name": st.sampled_from(["hello", "", "a/b", ".."]) | INTERESTING_VALUES,
        }
    )


@FUZZ
@given(_derivation_documents())
def test_derivation_json_on_made_up_documents(document: dict[str, Any]) -> None:
    drv = ours(from_json, document)
    if drv is not None:
        ours(write_aterm, drv)
        ours(validate, drv)
        ours(show_json, {_DEP: drv})


# -- small text formats: store paths, hashes, nixbase32, keys, content addresses -------------------

SECRET = SigningKey.generate("test-key-1")
TEXTS = [
    _OUT.to_absolute_path(),
    _OUT.base_name,
    _OUT.to_absolute_path() + "/bin/hello",
    _SHA.format(HashFormat.NIX32, prefixed=True),
    _SHA.format(HashFormat.BASE16, prefixed=True),
    _SHA.format(HashFormat.BASE64, prefixed=True),
    _SHA.to_sri(),
    _SHA.to_sri().rstrip("="),
    NixHash.of_bytes("md5", b"").to_sri(),
    NixHash.of_bytes("sha512", b"").format(HashFormat.NIX32),
    "text:" + _SHA.format(HashFormat.NIX32, prefixed=True),
    "fixed:r:" + _SHA.format(HashFormat.NIX32, prefixed=True),
    "fixed:git:sha1:" + NixHash.of_bytes("sha1", b"").to_base16(),
    SECRET.to_text(),
    str(SECRET.verifying_key),
    str(SECRET.sign("fingerprint")),
    nixbase32.encode(bytes(range(20))),
]


def exercise_text(text: str) -> None:
    path = ours(StorePath.from_absolute_path, text)
    if path is not None:
        assert StorePath.from_absolute_path(path.to_absolute_path()) == path
    ours(StorePath.from_base_name, text)
    ours(StorePath.from_absolute_path_prefix, text)
    for algo in (None, "sha256", "md5", "sha512"):
        parsed = ours(NixHash.parse, text, algo)
        if parsed is not None:
            for fmt in HashFormat:
                assert NixHash.parse(parsed.format(fmt, prefixed=True)) == parsed
    ours(NixHash.parse_sri, text)
    ours(HashFormat.from_name, text)
    ca = ours(ContentAddress.parse, text)
    if ca is not None:
        assert ContentAddress.parse(ca.render()) == ca
    for length in (None, 20, 32):
        ours(nixbase32.decode, text, length)
    nixbase32.is_valid(text)
    signature = ours(Signature.parse, text)
    if signature is not None:
        assert Signature.parse(str(signature)) == signature
    key = ours(VerifyingKey.parse, text)
    if key is not None:
        key.verify("fingerprint", str(SECRET.sign("fingerprint")))
        ours(key.verify, "fingerprint", text)
    ours(SigningKey.parse, text)


@FUZZ
@given(mutated_text(TEXTS))
def test_small_text_parsers_on_mutated_texts(text: str) -> None:
    exercise_text(text)


@FUZZ
@given(st.text(st.sampled_from(INTERESTING_CHARS) | st.characters(), max_size=120))
def test_small_text_parsers_on_arbitrary_text(text: str) -> None:
    exercise_text(text)


def test_small_text_parsers_on_every_truncation() -> None:
    for text in TEXTS:
        for end in range(len(text)):
            exercise_text(text[:end])


def test_base64_of_thousands_of_characters() -> None:
    """Megabytes where a hash or key belongs: refused, in a moment and without a crash."""
    exercise_text("sha256-" + "A" * 1_000_000)
    exercise_text("k:" + base64.b64encode(bytes(1_000_000)).decode())


# -- the daemon protocol -----------------------------------------------------------------------

CTX = WireContext()
_NAR = support.file_nar(b"a file in the store\n")
_INFO = support.source_info("fuzzed", _NAR, deriver=_DEP, sigs=frozenset({"k:sig"}))
_REQUESTS = [
    IsValidPath(_INFO.path),
    QueryPathInfo(_INFO.path),
    QueryPathInfo(_OUT),
    QueryValidPaths(frozenset({_INFO.path, _OUT}), substitute=True),
    QueryPathFromHashPart(_INFO.path.hash_part),
    AddTempRoot(_INFO.path),
    SetOptions(ClientSettings(keep_going=True, overrides={"cores": "4"})),
    QueryMissing((_INFO.path.to_absolute_path(), _OUT.to_absolute_path() + "!out")),
    NarFromPath(_INFO.path),
]


def _converse_with(client: DaemonClient) -> None:
    for request in _REQUESTS:
        if isinstance(request, NarFromPath):
            client.nar_from_path(request.path)
        else:
            client.request(request)
    client.add_to_store_nar(_INFO, _NAR)


class _Recorder:
    """A writable that passes everything on and keeps a copy: one side of a conversation."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.copy = bytearray()

    def write(self, data: bytes) -> int:
        self.copy += data
        return int(self.stream.write(data))

    def flush(self) -> None:
        self.stream.flush()


def _handler() -> Any:
    store = support.MemoryStore()
    store.add(_INFO, _NAR)
    return store


def _record(version: ProtocolVersion) -> tuple[bytes, bytes]:
    """A whole conversation between our client and our server: what each of them sent."""
    client_socket, server_socket = socket.socketpair()
    with client_socket, server_socket:
        server_in, server_out = (
            server_socket.makefile("rb"),
            _Recorder(server_socket.makefile("wb")),
        )

        def serve() -> None:
            connection = ServerConnection(server_in, server_out, nix_version="2.26.3")
            connection.serve(_handler())

        server = threading.Thread(target=serve)
        server.start()
        client_out = _Recorder(client_socket.makefile("wb"))
        client = DaemonClient(client_socket.makefile("rb"), client_out, version=version)
        _converse_with(client)
        client_socket.shutdown(socket.SHUT_WR)
        server.join(timeout=30)
    return bytes(client_out.copy), bytes(server_out.copy)


def _serve(data: bytes) -> bytes:
    """Our server's answers to the client stream ``data`` (which says the version spoken)."""
    out = io.BytesIO()
    connection = ServerConnection(io.BytesIO(data), out, nix_version="2.26.3")
    connection.serve(_handler())
    return out.getvalue()


#: The latest, the last with unstructured errors, the last that sends a NAR on STDERR_READ.
VERSIONS = [ProtocolVersion(1, 38), ProtocolVersion(1, 25), ProtocolVersion(1, 22)]
CONVERSATIONS = [_record(version) for version in VERSIONS]
CLIENT_STREAMS = [client for client, _ in CONVERSATIONS]
SERVER_STREAMS = [server for _, server in CONVERSATIONS]


def _converse(data: bytes, version: ProtocolVersion = PROTOCOL_VERSION) -> None:
    """Our client, making the recorded requests against the daemon stream ``data``."""
    _converse_with(DaemonClient(io.BytesIO(data), io.BytesIO(), version=version))


def test_recorded_conversation_is_valid() -> None:
    """Guards the fuzzing: the recorded streams replay into whole, successful conversations."""
    for version, (client_stream, server_stream) in zip(VERSIONS, CONVERSATIONS, strict=True):
        _converse(server_stream, version)
        assert _serve(client_stream) == server_stream
        assert b"hash mismatch" not in server_stream


@FUZZ
@given(st.integers(0, len(VERSIONS) - 1), st.data())
def test_client_on_mutated_daemon_streams(index: int, data: st.DataObject) -> None:
    stream = data.draw(mutated_bytes([SERVER_STREAMS[index]]))
    ours(_converse, stream, VERSIONS[index])


@FUZZ
@given(st.integers(0, len(VERSIONS) - 1), st.data())
def test_server_on_mutated_client_streams(index: int, data: st.DataObject) -> None:
    stream = data.draw(mutated_bytes([CLIENT_STREAMS[index]]))
    ours(_serve, stream)


def test_client_and_server_on_every_truncation() -> None:
    for version, (client_stream, server_stream) in zip(VERSIONS, CONVERSATIONS, strict=True):
        for part in every_truncation(server_stream, 3):
            ours(_converse, part, version)
        for part in every_truncation(client_stream, 3):
            ours(_serve, part)


def _read_everything(data: bytes) -> None:
    """Each reader of the primitives and messages over ``data``, from its start."""
    readers: list[Callable[[WireReader], object]] = [
        lambda r: r.read_u64(),
        lambda r: r.read_bool(),
        lambda r: r.read_bytes(),
        lambda r: r.read_str(),
        lambda r: r.read_strings(),
        lambda r: r.read_str_map(),
        lambda r: r.read_list(r.read_u64),
        lambda r: FramedReader(r).read_all(),
        lambda r: read_request(r, CTX),
        lambda r: read_request(r, WireContext(ProtocolVersion(1, 21))),
        lambda r: ValidPathInfo.read(r, CTX),
        lambda r: read_stderr(r, CTX.version),
        lambda r: read_stderr(r, ProtocolVersion(1, 25)),
        lambda r: read_error(r, CTX.version),
        lambda r: QueryMissing(()).read_response(r, CTX),
        lambda r: QueryPathInfo(_OUT).read_response(r, CTX),
        lambda r: NarFromPath(_OUT).read_response(r, CTX),
        lambda r: client_handshake(r, WireWriter(io.BytesIO())),
        lambda r: server_handshake(r, WireWriter(io.BytesIO()), nix_version="2.26.3"),
    ]
    for read in readers:
        ours(read, WireReader(io.BytesIO(data), max_bytes=1 << 20, max_items=1 << 16))


def _message_samples() -> list[bytes]:
    samples = []
    for request in [*_REQUESTS, AddToStoreNar(_INFO)]:
        out = io.BytesIO()
        writer = WireWriter(out)
        write_request(writer, request, CTX)
        writer.flush()
        samples.append(out.getvalue())
    return samples + SERVER_STREAMS[:1]


MESSAGES = _message_samples()


@FUZZ
@given(mutated_bytes(MESSAGES))
def test_wire_readers_on_mutated_messages(data: bytes) -> None:
    _read_everything(data)


@FUZZ
@given(st.lists(st.sampled_from(INTERESTING_U64), max_size=6), st.binary(max_size=40))
def test_wire_readers_on_made_up_words(words: list[int], tail: bytes) -> None:
    _read_everything(b"".join(w.to_bytes(8, "little") for w in words) + tail)


@FUZZ
@given(mutated_bytes(MESSAGES))
def test_async_wire_reader_agrees_with_the_blocking_one(data: bytes) -> None:
    async def read_async() -> object:
        stream = asyncio.StreamReader()
        stream.feed_data(data)
        stream.feed_eof()
        reader = AsyncWireReader(stream, max_bytes=1 << 20, max_items=1 << 16)
        return (await reader.read_u64(), await reader.read_strings(), await reader.read_str_map())

    def read_blocking() -> object:
        reader = WireReader(io.BytesIO(data), max_bytes=1 << 20, max_items=1 << 16)
        return (reader.read_u64(), reader.read_strings(), reader.read_str_map())

    assert ours(asyncio.run, read_async()) == ours(read_blocking)
