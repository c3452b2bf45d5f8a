"""``fromTOML``, read with the standard library's TOML parser.

C++ Nix reads TOML with toml11; the values agree, but its messages for malformed input are
toml11's own and are not reproduced here: a parse error says ``while parsing TOML:``
followed by Python's description of the problem.
"""

from __future__ import annotations

from typing import Any

from tvix_eval.builtins.arguments import string_arg
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops

Value = Any


@builtin("fromTOML", 1, global_=True)
def from_toml(text: Value) -> Value:
    import tomllib  # only for fromTOML: not loaded with the other builtins at start-up

    source = str(string_arg(text, "fromTOML", None))
    try:
        document = tomllib.loads(source)
    except tomllib.TOMLDecodeError as e:
        raise NixError(f"while parsing TOML: {e}") from None
    return _convert(document)


def _convert(value: Any) -> Value:
    """TOML values as Nix values; dates and times have none."""
    import datetime  # loaded by tomllib anyway, and only then

    if isinstance(value, dict):
        return {_no_null_byte(key): _convert(item) for key, item in value.items()}
    if isinstance(value, str):
        return _no_null_byte(value)
    if isinstance(value, list):
        return [_convert(item) for item in value]
    if isinstance(value, (datetime.date, datetime.time)):
        raise NixError("while parsing TOML: Dates and times are not supported")
    if type(value) is int and not ops.INT_MIN <= value <= ops.INT_MAX:
        raise NixError(
            "while parsing TOML: [error] toml::parse_dec_integer: too large integer: "
            "current max digits = 2^63"
        )
    return value


def _no_null_byte(text: str) -> str:
    """C++ Nix's strings end at a NUL, so its TOML reader refuses keys and strings holding one
    (``\\u0000``) instead of cutting them short; the message shows each NUL as ``␀``."""
    if "\0" in text:
        shown = text.replace("\0", "␀")
        raise NixError(
            f"while parsing TOML: error: input string '{shown}' cannot be represented as "
            "Nix string because it contains null bytes"
        )
    return text
