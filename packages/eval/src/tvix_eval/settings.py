"""The evaluator's settings as C++ Nix names and reads them (``--option NAME VALUE``).

Values are read as C++ Nix reads them: Booleans from ``true``/``yes``/``1`` and
``false``/``no``/``0``, unsigned integers in decimal (``+`` allowed) below 2**32. A value that
does not read is not an error: C++ Nix warns (``warning: error: ...``) and keeps the setting as
it was; a name it does not know gets a warning too, once, after all settings are read.
"""

from __future__ import annotations

import re
from typing import ClassVar

__all__ = ["EvalSettings", "parse_unsigned"]

_UNSIGNED = re.compile(r"\+?[0-9]+")
_UNSIGNED_LIMIT = 2**32
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")


def parse_unsigned(text: str) -> int | None:
    """``text`` as C++ Nix's ``string2Int<unsigned int>`` reads it, or None."""
    if _UNSIGNED.fullmatch(text) is None:
        return None
    value = int(text)
    return value if value < _UNSIGNED_LIMIT else None


class EvalSettings:
    """The settings tvix-eval implements, with C++ Nix's defaults."""

    #: Setting name -> attribute; each attribute's type says how its values are read.
    NAMES: ClassVar[dict[str, str]] = {
        "max-call-depth": "max_call_depth",
        "abort-on-warn": "abort_on_warn",
    }

    def __init__(self) -> None:
        #: How deeply calls may nest before "stack overflow; max-call-depth exceeded".
        self.max_call_depth = 10_000
        #: Whether ``builtins.warn`` fails after printing its warning, to show a trace.
        self.abort_on_warn = False
        self._unknown: set[str] = set()

    def set(self, name: str, value: str) -> list[str]:
        """Apply ``--option name value``; returns the warnings C++ Nix prints for it."""
        attribute = self.NAMES.get(name)
        if attribute is None:
            self._unknown.add(name)
            return []
        if isinstance(getattr(self, attribute), bool):
            if value not in _TRUE + _FALSE:
                return [f"error: Boolean setting '{name}' has invalid value '{value}'"]
            setattr(self, attribute, value in _TRUE)
            return []
        number = parse_unsigned(value)
        if number is None:
            return [f"error: setting '{name}' has invalid value '{value}'"]
        setattr(self, attribute, number)
        return []

    def unknown_names(self) -> list[str]:
        """Warnings for the names no setting has, in C++ Nix's order."""
        return [f"unknown setting '{name}'" for name in sorted(self._unknown)]
