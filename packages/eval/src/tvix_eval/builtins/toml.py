"""``fromTOML``, read with the standard library's TOML parser.

C++ Nix reads TOML with toml11; the values agree, but its messages for malformed input are
toml11's own and are not reproduced here: a parse error says ``while parsing TOML:``
followed by Python's description of the problem.

Dates and times have no Nix value: they are refused, unless the experimental feature
parse-toml-timestamps is on (:func:`from_toml_with_timestamps`, which the evaluator puts in
``fromTOML``'s place), where each becomes ``{ _type = "timestamp"; value = TEXT; }`` as C++
Nix makes it. TEXT is what toml11 prints, which is the text of the document (its ``T``, ``t``
or space between date and time kept, its fraction of a second as many digits as written)
but for a zero offset, always ``Z``, and a fraction cut to nanoseconds. Python's values would
have lost all three, so those documents are read by a copy of tomllib's parser that keeps
the text of each date and time (:func:`_timestamp_reader`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from tvix_eval.builtins.arguments import string_arg
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops

__all__ = ["from_toml_with_timestamps"]

Value = Any

#: An offset of zero, which toml11 prints ``Z`` however it was written.
_ZERO_OFFSET = re.compile(r"(?:[zZ]|[+-]00:00)$")
#: A fraction of a second beyond nanoseconds, which toml11 does not keep.
_SUB_NANOSECOND = re.compile(r"(\.[0-9]{9})[0-9]+")


class _Timestamp(str):
    """A TOML date or time: its text as C++ Nix shows it."""

    __slots__ = ()


@builtin("fromTOML", 1, global_=True)
def from_toml(text: Value) -> Value:
    import tomllib  # only for fromTOML: not loaded with the other builtins at start-up

    return _convert(_read(text, tomllib.loads, tomllib.TOMLDecodeError))


def from_toml_with_timestamps(text: Value) -> Value:
    """``fromTOML`` with the experimental feature parse-toml-timestamps."""
    loads, decode_error = _timestamp_reader()
    return _convert(_read(text, loads, decode_error))


def _read(
    text: Value, loads: Callable[[str], dict[str, Any]], decode_error: type[Exception]
) -> dict[str, Any]:
    source = str(string_arg(text, "fromTOML", None))
    try:
        return loads(source)
    except decode_error as e:
        raise NixError(f"while parsing TOML: {e}") from None


@functools.cache
def _timestamp_reader() -> tuple[Callable[[str], dict[str, Any]], type[Exception]]:
    """``loads`` and its error of a private copy of tomllib's parser, whose dates and times
    come out as :class:`_Timestamp`\\ s. A copy, so that tomllib itself, which other code of
    the process may use, stays as it is; tomllib's own conversion still runs first, for its
    checks (a day that does not exist is refused)."""
    import importlib.util

    spec = importlib.util.find_spec("tomllib._parser")
    assert spec is not None and spec.loader is not None
    parser = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(parser)
    for name in ("match_to_datetime", "match_to_localtime"):
        convert = getattr(parser, name)  # an AttributeError here: tomllib was reorganised
        setattr(parser, name, functools.partial(_timestamp, convert))
    return parser.loads, parser.TOMLDecodeError


def _timestamp(convert: Callable[[re.Match[str]], object], match: re.Match[str]) -> _Timestamp:
    """The date or time ``match`` found, checked by tomllib's ``convert``, as toml11 prints
    it."""
    convert(match)
    text = _SUB_NANOSECOND.sub(r"\1", match.group(), count=1)
    return _Timestamp(_ZERO_OFFSET.sub("Z", text, count=1))


def _convert(value: Any) -> Value:
    """TOML values as Nix values; dates and times have none (but timestamps do)."""
    import datetime  # loaded by tomllib anyway, and only then

    if isinstance(value, dict):
        return {_no_null_byte(key): _convert(item) for key, item in value.items()}
    if isinstance(value, _Timestamp):
        return {"_type": "timestamp", "value": str(value)}
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
