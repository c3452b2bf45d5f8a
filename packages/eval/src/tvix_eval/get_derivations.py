"""The derivations a value holds, as ``nix-instantiate`` and ``nix-build`` find them (C++
Nix's ``getDerivations``): the value itself if it is one; else, in a list, each element that
is one (or, recursively, lists of them); in an attribute set, in name order, each attribute
whose name is a plain identifier and whose value is one, and the derivations inside each
attribute set that says ``recurseForDerivations = true``. A set met twice counts once.
"""

from __future__ import annotations

import re
from typing import Any, Final

from tvix_eval.errors import NixError, TypeMismatch
from tvix_eval.runtime import ops
from tvix_eval.value import Attrs, attr_position, force, sorted_names

__all__ = ["Found", "get_derivations", "is_derivation"]

Value = Any

#: Names of attributes looked into (others, such as ``"a b"`` or ``"0"``, are skipped).
_ATTR_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_+-]*")
_NOT_DERIVATIONS: Final = "expression does not evaluate to a derivation (or a set or list of those)"


class Found:
    """One derivation found: its attribute set and where (``a.b.0``) it was found."""

    __slots__ = ("attrs", "path")

    def __init__(self, attrs: dict[str, Value], path: str) -> None:
        self.attrs = attrs
        self.path = path


def is_derivation(value: Value) -> bool:
    """A set whose ``type`` is ``"derivation"`` (C++ Nix's ``isDerivation``)."""
    if not isinstance(value, dict) or "type" not in value:
        return False
    kind = force(value["type"])
    return (type(kind) is str or isinstance(kind, str)) and str(kind) == "derivation"


def get_derivations(value: Value) -> list[Found]:
    """The derivations in ``value`` (forced), in the order C++ Nix finds them."""
    found: list[Found] = []
    done: set[int] = set()
    value = force(value)
    if _take(value, "", found, done):
        _search(value, "", found, done)
    return found


def _take(value: Value, path: str, found: list[Found], done: set[int]) -> bool:
    """Add ``value`` if it is a derivation not seen yet; whether to look inside it instead
    (it is no derivation)."""
    if not is_derivation(value):
        return True
    if id(value) not in done:
        done.add(id(value))
        found.append(Found(value, path))
    return False


def _search(value: Value, path: str, found: list[Found], done: set[int]) -> None:
    if isinstance(value, dict | Attrs):
        if id(value) in done:
            return
        done.add(id(value))
        for name in sorted_names(value):
            if not _ATTR_NAME.fullmatch(name):
                continue
            inner = f"{path}.{name}" if path else name
            try:
                item = force(value[name])
                if (
                    _take(item, inner, found, done)
                    and isinstance(item, dict)
                    and "recurseForDerivations" in item
                    and _recurse(item)
                ):
                    _search(item, inner, found, done)
            except NixError as e:
                e.add_trace(f"while evaluating the attribute '{name}'", attr_position(value, name))
                raise
    elif type(value) is list:
        for index, element in enumerate(value):
            inner = f"{path}.{index}" if path else str(index)
            item = force(element)
            if _take(item, inner, found, done):
                _search(item, inner, found, done)
    else:
        raise TypeMismatch(_NOT_DERIVATIONS)


def _recurse(attrs: dict[str, Value]) -> bool:
    try:
        return ops.expect_bool(force(attrs["recurseForDerivations"]))
    except NixError as e:
        e.add_trace(
            "while evaluating the attribute `recurseForDerivations`",
            attr_position(attrs, "recurseForDerivations"),
        )
        raise
