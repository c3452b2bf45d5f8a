"""The evaluator's settings as C++ Nix names and reads them (``--option NAME VALUE``).

Values are read as C++ Nix reads them: Booleans from ``true``/``yes``/``1`` and
``false``/``no``/``0``, unsigned integers in decimal (``+`` allowed) below 2**32. A value that
does not read is not an error: C++ Nix warns (``warning: error: ...``) and keeps the setting as
it was; a name it does not know gets a warning too, once, after all settings are read.
"""

from __future__ import annotations

import re
from typing import ClassVar

__all__ = ["EXPERIMENTAL_FEATURES", "SYNTAX_FEATURES", "EvalSettings", "parse_unsigned"]

_UNSIGNED = re.compile(r"\+?[0-9]+")
_UNSIGNED_LIMIT = 2**32
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")


#: The experimental features C++ Nix 2.26 knows, by name; each feature's name here is the
#: one settings give, and its value the features it brings with it.
EXPERIMENTAL_FEATURES: dict[str, tuple[str, ...]] = {
    "auto-allocate-uids": (),
    "ca-derivations": (),
    "cgroups": (),
    "configurable-impure-env": (),
    "daemon-trust-override": (),
    "dynamic-derivations": (),
    "fetch-closure": (),
    "fetch-tree": (),
    "flakes": ("fetch-tree",),
    "git-hashing": (),
    "impure-derivations": (),
    "local-overlay-store": (),
    "mounted-ssh-store": (),
    "nix-command": (),
    "no-url-literals": (),
    "parse-toml-timestamps": (),
    "pipe-operators": (),
    "read-only-local-store": (),
    "recursive-nix": (),
    "verified-fetches": (),
}

#: The experimental features that change what parses, and hence what a file compiles to:
#: ``|>`` and ``<|`` are operators only with pipe-operators; no-url-literals refuses URL
#: literals.
SYNTAX_FEATURES = frozenset({"no-url-literals", "pipe-operators"})


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
        "pure-eval": "pure_eval",
        "tarball-ttl": "tarball_ttl",
        "trusted-public-keys": "trusted_public_keys",
        "extra-trusted-public-keys": "trusted_public_keys",
    }
    #: Settings whose value is a list of experimental features.
    FEATURE_LISTS: ClassVar[tuple[str, ...]] = (
        "experimental-features",
        "extra-experimental-features",
    )

    def __init__(self) -> None:
        #: How deeply calls may nest before "stack overflow; max-call-depth exceeded".
        self.max_call_depth = 10_000
        #: Whether ``builtins.warn`` fails after printing its warning, to show a trace.
        self.abort_on_warn = False
        #: Whether evaluation is hermetic: no environment, no files but store paths given.
        self.pure_eval = False
        #: Experimental features enabled (as given: see :meth:`enabled_features`).
        self.experimental_features: tuple[str, ...] = ()
        #: Keys (``name:base64``) whose signatures make a binary cache's path trusted
        #: (``fetchClosure``), C++ Nix's default.
        self.trusted_public_keys: tuple[str, ...] = (
            "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=",
        )
        #: Seconds a fetch without a hash is not repeated (its result is cached).
        self.tarball_ttl = 3600
        self._unknown: set[str] = set()

    def set(self, name: str, value: str) -> list[str]:
        """Apply ``--option name value``; returns the warnings C++ Nix prints for it."""
        if name in self.FEATURE_LISTS:
            return self._set_features(name, value)
        attribute = self.NAMES.get(name)
        if attribute is None:
            self._unknown.add(name)
            return []
        if isinstance(getattr(self, attribute), tuple):  # a list: extra- settings add to it
            given = tuple(value.split())
            extra = name.startswith("extra-")
            setattr(self, attribute, getattr(self, attribute) + given if extra else given)
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

    def _set_features(self, name: str, value: str) -> list[str]:
        given = tuple(value.split())
        if name == "experimental-features":
            self.experimental_features = given
        else:
            self.experimental_features += given
        return [
            f"unknown experimental feature '{feature}'"
            for feature in given
            if feature not in EXPERIMENTAL_FEATURES
        ]

    def enabled_features(self) -> frozenset[str]:
        """The experimental features on: those given, and those they bring with them."""
        known = [f for f in self.experimental_features if f in EXPERIMENTAL_FEATURES]
        return frozenset(known).union(*(EXPERIMENTAL_FEATURES[f] for f in known))

    def unknown_names(self) -> list[str]:
        """Warnings for the names no setting has, in C++ Nix's order."""
        return [f"unknown setting '{name}'" for name in sorted(self._unknown)]
