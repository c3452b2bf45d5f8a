"""How C++ Nix names what a derivation produces: ``hashDerivationModulo`` and output paths.

An input-addressed output's path hashes the derivation's ATerm with its own output paths
blanked and each input derivation replaced by that input's "hash modulo". Fixed-output inputs
hash to ``fixed:out:<method><algo>:<hex>:<path>`` only, so changing how a fetcher fetches
does not change everything built from what it fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TypeAlias

from nix_compat.errors import DerivationError, StorePathError
from nix_compat.hash import NixHash
from nix_compat.store_path import (
    DEFAULT_STORE_DIR,
    StorePath,
    check_name,
    make_output_path,
    make_text_path,
    output_path_name,
)

from .aterm import write_aterm, write_aterm_filled, write_aterm_masked, write_aterm_pair
from .model import (
    DRV_EXTENSION,
    DeferredOutput,
    Derivation,
    FixedOutput,
    FloatingOutput,
    ImpureOutput,
    InputAddressedOutput,
    InputDrvOutputs,
    Output,
    method_algo,
)
from .paths import fixed_output_path, hash_placeholder

__all__ = [
    "DerivationHasher",
    "DrvHash",
    "InputLoader",
    "derivation_path",
    "fill_output_paths",
    "hash_derivation_modulo",
    "output_paths",
]

#: Where input derivations come from: a mapping from their paths, or a function that loads one.
InputLoader: TypeAlias = Mapping[StorePath, Derivation] | Callable[[StorePath], Derivation]


@dataclass(frozen=True, slots=True)
class DrvHash:
    """The hash modulo of a derivation, per output.

    ``deferred`` is true when some output path cannot be known before building (floating
    content-addressed or impure outputs, here or among the inputs).
    """

    hashes: Mapping[str, NixHash]
    deferred: bool


def _fixed_hashes(drv: Derivation, store_dir: str) -> dict[str, NixHash]:
    hashes = {}
    for name, output in drv.outputs.items():
        if not isinstance(output, FixedOutput):
            raise DerivationError("can't mix derivation output types", field=f"outputs.{name}")
        path = fixed_output_path(drv.name, name, output.ca, store_dir)
        ca = output.ca
        text = (
            f"fixed:out:{method_algo(ca.method, ca.hash.algo)}:{ca.hash.to_base16()}:"
            f"{path.to_absolute_path(store_dir)}"
        )
        hashes[name] = NixHash.of_bytes("sha256", text.encode())
    return hashes


def _is_deferred_kind(output: Output) -> bool:
    return isinstance(output, FloatingOutput | ImpureOutput)


class DerivationHasher:
    """Computes hashes modulo, remembering those of input derivations.

    Inputs are visited without recursion, so a chain of inputs thousands deep is fine, and
    a cycle (possible only among hand-made files) is reported rather than looping.
    """

    def __init__(self, inputs: InputLoader, store_dir: str = DEFAULT_STORE_DIR) -> None:
        self._inputs = inputs
        self.store_dir = store_dir
        self._loaded: dict[StorePath, Derivation] = {}
        self._hashes: dict[StorePath, DrvHash] = {}

    def load(self, path: StorePath) -> Derivation:
        """The input derivation at ``path``, from the loader (once)."""
        drv = self._loaded.get(path)
        if drv is None:
            if isinstance(self._inputs, Mapping):
                found = self._inputs.get(path)
                if found is None:
                    raise DerivationError(
                        f"input derivation '{path.to_absolute_path(self.store_dir)}' "
                        "is not available",
                        field="inputDrvs",
                    )
                drv = found
            else:
                drv = self._inputs(path)
            self._loaded[path] = drv
        return drv

    def hash_of_path(self, path: StorePath) -> DrvHash:
        """The hash modulo of the input derivation at ``path`` (outputs not masked)."""
        done = self._hashes.get(path)
        if done is not None:
            return done
        # Depth first without recursion: (path, False) asks to visit a derivation, (path,
        # True) to hash it once its inputs are hashed. The derivations whose True entry is
        # still on the stack are the current path from ``path``: meeting one again is a cycle.
        stack = [(path, False)]
        on_path: set[StorePath] = set()
        while stack:
            current, inputs_done = stack.pop()
            if current in self._hashes:
                continue
            if inputs_done:
                self._hashes[current] = self.hash_modulo(self.load(current), mask_outputs=False)
                on_path.discard(current)
                continue
            if current in on_path:
                raise DerivationError(
                    "input derivations form a cycle through "
                    f"'{current.to_absolute_path(self.store_dir)}'",
                    field="inputDrvs",
                )
            on_path.add(current)
            stack.append((current, True))
            for dep, node in self.load(current).sorted_input_drvs():
                if not node.is_dynamic() and dep not in self._hashes:
                    stack.append((dep, False))
        return self._hashes[path]

    def hash_modulo(self, drv: Derivation, *, mask_outputs: bool = True) -> DrvHash:
        """``hashDerivationModulo``: the hash that input-addressed output paths come from."""
        if any(isinstance(o, FixedOutput) for o in drv.outputs.values()):
            return DrvHash(_fixed_hashes(drv, self.store_dir), deferred=False)
        replaced, deferred = self._replaced_inputs(drv)
        aterm = write_aterm(
            drv, mask_outputs=mask_outputs, store_dir=self.store_dir, actual_inputs=replaced
        )
        digest = NixHash.of_bytes("sha256", aterm)
        return DrvHash({name: digest for name in drv.outputs}, deferred)

    def write(self, drv: Derivation) -> tuple[bytes, DrvHash]:
        """The ``.drv`` bytes of ``drv`` (its outputs filled in) and its hash modulo as the
        derivations that use it need it, written together; :meth:`add` it once its path is
        known."""
        if any(isinstance(o, FixedOutput) for o in drv.outputs.values()):
            own = write_aterm(drv, store_dir=self.store_dir)
            return own, DrvHash(_fixed_hashes(drv, self.store_dir), deferred=False)
        replaced, deferred = self._replaced_inputs(drv)
        own, modulo = write_aterm_pair(drv, replaced, self.store_dir)
        digest = NixHash.of_bytes("sha256", modulo)
        return own, DrvHash({name: digest for name in drv.outputs}, deferred)

    def complete(self, drv: Derivation) -> tuple[Derivation, bytes, DrvHash]:
        """What ``builtins.derivation`` makes of ``drv``: ``drv`` with its output paths and
        their variables filled in (:func:`fill_output_paths`), its ``.drv`` bytes and its hash
        modulo, as :meth:`write` gives them. An input-addressed derivation's three ATerm
        forms (masked, own, modulo) are written in one go, sharing what they have in common;
        any other is filled in and written the general way."""
        outputs = drv.outputs.values()
        if not outputs or not all(isinstance(o, DeferredOutput) for o in outputs):
            filled = fill_output_paths(drv, self, self.store_dir)
            return (filled, *self.write(filled))
        replaced, deferred = self._replaced_inputs(drv)
        if deferred or drv.has_dynamic_inputs():
            filled = fill_output_paths(drv, self, self.store_dir)
            return (filled, *self.write(filled))
        env = dict(drv.env)
        for name in drv.outputs:
            env[name] = ""
        blank = replace(drv, env=env)
        masked, tail = write_aterm_masked(blank, replaced, self.store_dir)
        digest = NixHash.of_bytes("sha256", masked)
        filled_outputs: dict[str, Output] = {}
        for name in drv.outputs:
            _check_output_name(drv.name, name)
            path = make_output_path(drv.name, name, digest, self.store_dir)
            filled_outputs[name] = InputAddressedOutput(path)
            env[name] = path.to_absolute_path(self.store_dir)
        filled = replace(drv, outputs=filled_outputs, env=env)
        own, modulo = write_aterm_filled(filled, tail, replaced, self.store_dir)
        modulo_digest = NixHash.of_bytes("sha256", modulo)
        return filled, own, DrvHash({name: modulo_digest for name in drv.outputs}, False)

    def add(self, path: StorePath, drv: Derivation, modulo: DrvHash | None = None) -> None:
        """Know the derivation at ``path`` (and its hash modulo, from :meth:`write`)."""
        self._loaded[path] = drv
        if modulo is not None:
            self._hashes[path] = modulo

    def _replaced_inputs(self, drv: Derivation) -> tuple[dict[str, InputDrvOutputs], bool]:
        """The input derivations keyed by their hash modulo, and whether an output path is
        known only after a build (here or among the inputs)."""
        deferred = any(_is_deferred_kind(o) for o in drv.outputs.values())
        replaced: dict[str, InputDrvOutputs] = {}
        for path, node in drv.sorted_input_drvs():
            if node.is_dynamic():
                # Known only once the producing derivation has been built.
                deferred = True
                continue
            found = self.hash_of_path(path)
            deferred = deferred or found.deferred
            for output in node.outputs:
                digest = found.hashes.get(output)
                if digest is None:
                    raise DerivationError(
                        f"input derivation '{path.to_absolute_path(self.store_dir)}' has no "
                        f"output '{output}'",
                        field=f"inputDrvs.{path}",
                    )
                key = digest.to_base16()
                previous = replaced.get(key, InputDrvOutputs())
                replaced[key] = InputDrvOutputs(previous.outputs | {output})
        return replaced, deferred


def hash_derivation_modulo(
    drv: Derivation,
    inputs: InputLoader,
    *,
    mask_outputs: bool = True,
    store_dir: str = DEFAULT_STORE_DIR,
) -> DrvHash:
    """``hashDerivationModulo`` of ``drv``, loading its input derivations from ``inputs``."""
    return DerivationHasher(inputs, store_dir).hash_modulo(drv, mask_outputs=mask_outputs)


def output_paths(
    drv: Derivation,
    inputs: InputLoader | DerivationHasher,
    store_dir: str = DEFAULT_STORE_DIR,
) -> dict[str, StorePath | None]:
    """The path each output should have; ``None`` where it is known only after a build."""
    hasher = inputs if isinstance(inputs, DerivationHasher) else DerivationHasher(inputs, store_dir)
    result: dict[str, StorePath | None] = {}
    modulo: DrvHash | None = None
    for name, output in drv.sorted_outputs():
        if isinstance(output, FixedOutput):
            result[name] = fixed_output_path(drv.name, name, output.ca, hasher.store_dir)
        elif isinstance(output, InputAddressedOutput | DeferredOutput):
            if modulo is None:
                modulo = hasher.hash_modulo(drv, mask_outputs=True)
            if modulo.deferred:
                result[name] = None
            else:
                _check_output_name(drv.name, name)
                result[name] = make_output_path(
                    drv.name, name, modulo.hashes[name], hasher.store_dir
                )
        else:
            result[name] = None
    return result


def _check_output_name(drv_name: str, output: str) -> None:
    try:
        check_name(output_path_name(drv_name, output))
    except StorePathError as e:
        raise DerivationError(str(e), field=f"outputs.{output}") from None


def fill_output_paths(
    drv: Derivation,
    inputs: InputLoader | DerivationHasher,
    store_dir: str = DEFAULT_STORE_DIR,
) -> Derivation:
    """Fill in output paths and their environment variables, as ``builtins.derivation`` does.

    Input-addressed and deferred outputs get their computed paths (or stay deferred, with an
    empty variable, when an input is not yet known); fixed outputs get the path their hash
    gives; floating and impure outputs get a hash placeholder in the environment.

    Pass one :class:`DerivationHasher` for many calls (as an evaluator would): it remembers
    the hash of every input it has seen, where a plain loader starts afresh each time.
    """
    env = dict(drv.env)
    outputs: dict[str, Output] = {}
    for name, output in drv.outputs.items():
        if isinstance(output, InputAddressedOutput | DeferredOutput):
            env[name] = ""
            outputs[name] = DeferredOutput()
        elif isinstance(output, FixedOutput):
            path = fixed_output_path(drv.name, name, output.ca, store_dir)
            env[name] = path.to_absolute_path(store_dir)
            outputs[name] = FixedOutput(output.ca, path)
        else:
            env[name] = hash_placeholder(name)
            outputs[name] = output
    blank = replace(drv, outputs=outputs, env=env)
    for name, computed in output_paths(blank, inputs, store_dir).items():
        if computed is not None and isinstance(outputs[name], DeferredOutput):
            outputs[name] = InputAddressedOutput(computed)
            env[name] = computed.to_absolute_path(store_dir)
    return replace(drv, outputs=outputs, env=env)


def derivation_path(drv: Derivation, store_dir: str = DEFAULT_STORE_DIR) -> StorePath:
    """The store path of the ``.drv`` file itself: a text path referring to its inputs."""
    aterm = write_aterm(drv, store_dir=store_dir)
    try:
        return make_text_path(
            drv.name + DRV_EXTENSION,
            NixHash.of_bytes("sha256", aterm),
            drv.references(),
            store_dir,
        )
    except StorePathError as e:
        raise DerivationError(str(e), field="name") from None
