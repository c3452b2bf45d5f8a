"""The derivation as C++ Nix models it: outputs of five kinds, inputs, builder and environment.

Strings (builder, arguments, environment, system) are ``str`` decoded from UTF-8 with
``surrogateescape``, so bytes that are not UTF-8 survive a parse and a write unchanged. Sorting
follows C++ Nix, which orders by bytes: use :func:`byte_key` rather than Python's code-point
order, which differs once surrogate escapes or astral characters appear.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, TypeVar

from nix_compat.content_address import ContentAddress, ContentAddressMethod
from nix_compat.errors import DerivationError
from nix_compat.store_path import StorePath

__all__ = [
    "DRV_EXTENSION",
    "DeferredOutput",
    "Derivation",
    "FixedOutput",
    "FloatingOutput",
    "ImpureOutput",
    "InputAddressedOutput",
    "InputDrvOutputs",
    "Output",
    "byte_key",
    "method_algo",
    "method_from_name",
    "split_method_algo",
]

DRV_EXTENSION: Final = ".drv"

V = TypeVar("V")


def byte_key(text: str) -> bytes:
    """The sort key C++ Nix uses for strings: their bytes."""
    return text.encode("utf-8", "surrogateescape")


def _by_key_bytes(items: Iterable[tuple[str, V]]) -> list[tuple[str, V]]:
    """``items`` sorted by their keys' bytes (keys are distinct)."""
    listed = list(items)
    if "".join(key for key, _ in listed).isascii():  # almost always: characters are bytes
        listed.sort(key=_first)
    else:
        listed.sort(key=lambda item: byte_key(item[0]))
    return listed


def _first(item: tuple[str, object]) -> str:
    return item[0]


#: How a content-addressing method is written before the algorithm in ATerm (``r:sha256``).
_DRV_PREFIXES: Final = {
    ContentAddressMethod.FLAT: "",
    ContentAddressMethod.NAR: "r:",
    ContentAddressMethod.TEXT: "text:",
    ContentAddressMethod.GIT: "git:",
}


def method_algo(method: ContentAddressMethod, algo: str) -> str:
    """``r:sha256`` and friends, as in ATerm and in the ``fixed:out:`` fingerprint."""
    return f"{_DRV_PREFIXES[method]}{algo}"


def split_method_algo(text: str) -> tuple[ContentAddressMethod, str]:
    """Split ``r:sha256`` into (NAR, ``sha256``); no known prefix means FLAT."""
    for method, prefix in _DRV_PREFIXES.items():
        if prefix and text.startswith(prefix):
            return method, text[len(prefix) :]
    return ContentAddressMethod.FLAT, text


def method_from_name(name: str) -> ContentAddressMethod:
    """Parse a method as JSON names it (``flat``, ``nar``, ``text``, ``git``)."""
    try:
        return ContentAddressMethod(name)
    except ValueError:
        known = ", ".join(m.value for m in ContentAddressMethod)
        raise DerivationError(f"unknown content-addressing method '{name}' ({known})") from None


@dataclass(frozen=True, slots=True)
class InputAddressedOutput:
    """An output whose path follows from the derivation's inputs (the usual kind)."""

    path: StorePath


@dataclass(frozen=True, slots=True)
class FixedOutput:
    """An output whose content hash is known in advance (fetchers).

    ``path`` is the path written in the ``.drv``; ``None`` until it is filled in. C++ Nix
    recomputes it from the hash and name; keeping what was read lets a check report a
    mismatch instead of hiding it.
    """

    ca: ContentAddress
    path: StorePath | None = None


@dataclass(frozen=True, slots=True)
class FloatingOutput:
    """A content-addressed output whose hash is known only after the build."""

    method: ContentAddressMethod
    algo: str


@dataclass(frozen=True, slots=True)
class ImpureOutput:
    """An output of an impure derivation: content-addressed, rebuilt every time."""

    method: ContentAddressMethod
    algo: str


@dataclass(frozen=True, slots=True)
class DeferredOutput:
    """An input-addressed output whose path waits on inputs not yet known (floating CA)."""


Output = InputAddressedOutput | FixedOutput | FloatingOutput | ImpureOutput | DeferredOutput


@dataclass(frozen=True, slots=True)
class InputDrvOutputs:
    """Which outputs of an input derivation are used.

    ``dynamic`` maps an output of the input (itself a derivation, with dynamic derivations)
    to the outputs used of the derivation it produces.
    """

    outputs: frozenset[str] = frozenset()
    dynamic: Mapping[str, InputDrvOutputs] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outputs", frozenset(self.outputs))
        object.__setattr__(self, "dynamic", dict(self.dynamic))

    @classmethod
    def of(cls, outputs: Iterable[str]) -> InputDrvOutputs:
        return cls(frozenset(outputs))

    def sorted_outputs(self) -> list[str]:
        return sorted(self.outputs, key=byte_key)

    def sorted_dynamic(self) -> list[tuple[str, InputDrvOutputs]]:
        return _by_key_bytes(self.dynamic.items())

    def is_dynamic(self) -> bool:
        return bool(self.dynamic)


@dataclass(frozen=True, slots=True)
class Derivation:
    """A derivation: what to run (builder, args, env, system), on what, producing what.

    ``name`` is not written in the ATerm; it comes from the ``.drv`` file's name
    (``<hash>-<name>.drv``) and names the outputs' paths.
    """

    name: str
    outputs: Mapping[str, Output]
    input_drvs: Mapping[StorePath, InputDrvOutputs] = field(default_factory=dict)
    input_srcs: frozenset[StorePath] = frozenset()
    system: str = ""
    builder: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Copies, so that a Derivation never changes under the caller's feet.
        object.__setattr__(self, "outputs", dict(self.outputs))
        object.__setattr__(self, "input_drvs", dict(self.input_drvs))
        object.__setattr__(self, "input_srcs", frozenset(self.input_srcs))
        object.__setattr__(self, "args", tuple(self.args))
        object.__setattr__(self, "env", dict(self.env))

    # Orders C++ Nix writes things in (std::map / std::set over bytes).

    def sorted_outputs(self) -> list[tuple[str, Output]]:
        return _by_key_bytes(self.outputs.items())

    def sorted_input_drvs(self) -> list[tuple[StorePath, InputDrvOutputs]]:
        return sorted(self.input_drvs.items(), key=lambda item: item[0].base_name)

    def sorted_input_srcs(self) -> list[StorePath]:
        return sorted(self.input_srcs, key=lambda path: path.base_name)

    def sorted_env(self) -> list[tuple[str, str]]:
        return _by_key_bytes(self.env.items())

    def has_dynamic_inputs(self) -> bool:
        """Whether any input uses dynamic outputs (which needs the versioned ATerm)."""
        return any(node.is_dynamic() for node in self.input_drvs.values())

    def is_fixed_output(self) -> bool:
        return any(isinstance(out, FixedOutput) for out in self.outputs.values())

    def references(self) -> frozenset[StorePath]:
        """What the ``.drv`` file refers to: its sources and input derivations, not outputs."""
        return self.input_srcs | frozenset(self.input_drvs)
