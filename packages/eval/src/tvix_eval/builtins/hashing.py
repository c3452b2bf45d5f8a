"""``hashString`` and ``convertHash``: hashes parsed and printed with C++ Nix's rules and
messages (the digests and encodings come from :mod:`nix_compat`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tvix_eval.builtins.arguments import plain_string_arg, set_arg, string_arg
from tvix_eval.builtins.attrs import required_attr
from tvix_eval.builtins.log import log
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError

if TYPE_CHECKING:
    from nix_compat.hash import HashFormat, NixHash

# nix_compat's hashes are imported where a builtin needs them, not with this module: loading
# OpenSSL's digests is a sixth of the evaluator's start-up, and most evaluations hash nothing.

__all__ = ["UsageError", "parse_algorithm", "parse_hash"]

Value = Any


class UsageError(NixError):
    """What C++ Nix reports as a usage error even from inside an evaluation (an unknown hash
    algorithm or format): ``tryEval`` does not catch it, and nix-instantiate follows it
    with a hint to read its help."""

    def _compose(self, show_trace: bool) -> str:
        hint = "\nTry 'nix-instantiate --help' for more information."
        return super()._compose(show_trace) + hint


def parse_algorithm(name: str) -> str:
    from nix_compat.hash import ALGORITHMS

    if name in ALGORITHMS:
        return name
    raise UsageError(
        f"unknown hash algorithm '{name}', expect 'md5', 'sha1', 'sha256', or 'sha512'"
    )


_FORMATS = {
    "base16": "BASE16",
    "nix32": "NIX32",
    "base32": "NIX32",
    "base64": "BASE64",
    "sri": "SRI",
}


def _parse_format(name: str) -> HashFormat:
    from nix_compat.hash import HashFormat

    if name == "base32":
        log('warning: "base32" is a deprecated alias for hash format "nix32".')
    try:
        return HashFormat[_FORMATS[name]]
    except KeyError:
        raise UsageError(
            f"unknown hash format '{name}', expect 'base16', 'base32', 'base64', or 'sri'"
        ) from None


_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _base64_decode(text: str) -> bytes | None:
    """C++ Nix's lenient base64: stops at ``=``, skips newlines, None on a bad character."""
    out = bytearray()
    bits = 0
    acc = 0
    for c in text:
        if c == "=":
            break
        if c == "\n":
            continue
        digit = _BASE64.find(c)
        if digit < 0:
            return None
        acc = (acc << 6 | digit) & 0xFFFF
        bits += 6
        if bits >= 8:
            out.append(acc >> (bits - 8) & 0xFF)
            bits -= 8
    return bytes(out)


def parse_hash(text: str, algo: str | None) -> NixHash:
    """C++ Nix's ``Hash::parseAny``: ``algo:digest``, SRI ``algo-base64``, or a bare digest
    whose algorithm is ``algo``; base16, nix32 or base64 told apart by length."""
    rest = text
    parsed = None
    sri = False
    prefix, colon, tail = text.partition(":")
    if colon:
        parsed, rest = parse_algorithm(prefix), tail
    else:
        prefix, dash, tail = text.partition("-")
        if dash:
            parsed, rest, sri = parse_algorithm(prefix), tail, True
    if parsed is None and algo is None:
        raise NixError(
            f"hash '{rest}' does not include a type, nor is the type otherwise known from context"
        )
    if parsed is not None and algo is not None and parsed != algo:
        raise NixError(f"hash '{text}' should have type '{algo}'")
    name = parsed or algo
    assert name is not None
    from nix_compat.hash import NixHash

    return NixHash(name, _digest(rest, name, sri))


def _digest(rest: str, algo: str, sri: bool) -> bytes:
    from nix_compat import nixbase32
    from nix_compat.hash import ALGORITHMS

    size = ALGORITHMS[algo]
    if not sri and len(rest) == 2 * size:
        if not all(c in "0123456789abcdefABCDEF" for c in rest):
            raise NixError(f"invalid base-16 hash '{rest}'")
        return bytes.fromhex(rest)
    if not sri and len(rest) == nixbase32.encoded_len(size):
        try:
            return nixbase32.decode(rest, size)
        except Exception:
            raise NixError(f"invalid base-32 hash '{rest}'") from None
    if sri or len(rest) == 4 * ((size + 2) // 3):
        digest = _base64_decode(rest)
        if digest is None or len(digest) != size:
            raise NixError(f"invalid {'SRI' if sri else 'base-64'} hash '{rest}'")
        return digest
    raise NixError(f"hash '{rest}' has wrong length for hash algorithm '{algo}'")


@builtin("hashString", 2)
def hash_string(algo: Value, text: Value) -> str:
    name = parse_algorithm(plain_string_arg(algo, "hashString", 0))
    data = str(string_arg(text, "hashString", 1)).encode("utf-8", "surrogateescape")
    from nix_compat.hash import NixHash

    return NixHash.of_bytes(name, data).to_base16()


@builtin("convertHash", 1)
def convert_hash(spec: Value) -> str:
    attrs = set_arg(spec, "convertHash", 0)
    text = plain_string_arg(
        required_attr(attrs, "hash", "while locating the attribute 'hash'"),
        "",
        what="the attribute 'hash'",
    )
    algo = None
    if "hashAlgo" in attrs:
        algo = parse_algorithm(
            plain_string_arg(attrs["hashAlgo"], "", what="the attribute 'hashAlgo'")
        )
    fmt = _parse_format(
        plain_string_arg(
            required_attr(attrs, "toHashFormat", "while locating the attribute 'toHashFormat'"),
            "",
            what="the attribute 'toHashFormat'",
        )
    )
    return parse_hash(str(text), algo).format(fmt)
