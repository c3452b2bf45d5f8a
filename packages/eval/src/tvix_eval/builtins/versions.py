"""Version strings as C++ Nix splits and orders them: ``compareVersions``,
``splitVersion``, ``parseDrvName``."""

from __future__ import annotations

from typing import Any

from tvix_eval.builtins.arguments import plain_string_arg
from tvix_eval.builtins.registry import builtin

__all__ = ["compare_versions", "next_component"]

Value = Any

INT32_MAX = 2**31 - 1


def next_component(version: bytes, p: int) -> tuple[bytes, int]:
    """The component starting at ``p`` (after any ``.`` and ``-``) and where it ends: a run
    of digits, or of characters that are neither digits nor separators; empty at the end."""
    end = len(version)
    while p < end and version[p] in b".-":
        p += 1
    start = p
    if p < end and version[p] in _DIGITS:
        while p < end and version[p] in _DIGITS:
            p += 1
    else:
        while p < end and version[p] not in _DIGITS and version[p] not in b".-":
            p += 1
    return version[start:p], p


_DIGITS = frozenset(b"0123456789")


def _number(component: bytes) -> int | None:
    """The component as a (32-bit) number, or None: larger numbers count as words."""
    if component and component.isdigit():
        n = int(component)
        return n if n <= INT32_MAX else None
    return None


def _component_less(c1: bytes, c2: bytes) -> bool:
    n1, n2 = _number(c1), _number(c2)
    if n1 is not None and n2 is not None:
        return n1 < n2
    if c1 == b"" and n2 is not None:
        return True
    if c1 == b"pre" and c2 != b"pre":
        return True
    if c2 == b"pre":
        return False
    if n2 is not None:
        return True
    if n1 is not None:
        return False
    return c1 < c2


def compare_versions(v1: bytes, v2: bytes) -> int:
    """-1, 0 or 1: component by component, as C++ Nix's ``compareVersions``."""
    p1 = p2 = 0
    while p1 < len(v1) or p2 < len(v2):
        c1, p1 = next_component(v1, p1)
        c2, p2 = next_component(v2, p2)
        if _component_less(c1, c2):
            return -1
        if _component_less(c2, c1):
            return 1
    return 0


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


@builtin("compareVersions", 2)
def compare_versions_builtin(a: Value, b: Value) -> int:
    v1 = _bytes(plain_string_arg(a, "compareVersions", 0))
    v2 = _bytes(plain_string_arg(b, "compareVersions", 1))
    return compare_versions(v1, v2)


@builtin("splitVersion", 1)
def split_version(version: Value) -> list[str]:
    text = _bytes(plain_string_arg(version, "splitVersion", 0))
    result = []
    p = 0
    while p < len(text):
        component, p = next_component(text, p)
        if not component:
            break
        result.append(_text(component))
    return result


@builtin("parseDrvName", 1)
def parse_drv_name(name: Value) -> dict[str, Value]:
    text = _bytes(plain_string_arg(name, "parseDrvName", 0))
    for i in range(len(text) - 1):
        if text[i] == 0x2D and not (chr(text[i + 1]).isascii() and chr(text[i + 1]).isalpha()):
            return {"name": _text(text[:i]), "version": _text(text[i + 1 :])}
    return {"name": _text(text), "version": ""}
