"""Store path names as C++ Nix 2.26 checks them, in its words (``checkName``): the rules are
nix-compat's, the messages are what the language shows for a derivation's or a file's name."""

from __future__ import annotations

from typing import Final

__all__ = ["MAX_NAME_LENGTH", "invalid_name_reason"]

MAX_NAME_LENGTH: Final = 211
_ALLOWED: Final = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-._?=")


def invalid_name_reason(name: str) -> str | None:
    """What is wrong with ``name`` as a store path name, or None if nothing is."""
    raw = name.encode("utf-8", "surrogateescape")
    if not raw:
        return "name must not be empty"
    if len(raw) > MAX_NAME_LENGTH:
        return f"name '{name}' must be no longer than {MAX_NAME_LENGTH} characters"
    if raw in (b".", b".."):
        return f"name '{name}' is not valid"
    first = raw.split(b"-", 1)[0]
    if first in (b".", b"..") and b"-" in raw:
        return (
            f"name '{name}' is not valid: first dash-separated component must not be "
            f"'{first.decode()}'"
        )
    for byte in raw:
        if byte not in _ALLOWED:
            shown = bytes([byte]).decode("utf-8", "surrogateescape")
            return f"name '{name}' contains illegal character '{shown}'"
    return None
