"""The derivations an evaluation has made, and what their store paths refer to.

``derivationStrict`` needs, for every derivation it makes, the "hash modulo" of each input
derivation (nix-compat's :class:`~nix_compat.derivation.hashing.DerivationHasher`, which
remembers them) and, for a string that carries a whole ``.drv`` (a ``drvPath``), the closure
of that ``.drv``. Derivations made in this evaluation are known here even when nothing was
written to the store (``tvix eval`` without ``--read-write-mode``); others are read from the
store.
"""

from __future__ import annotations

from collections.abc import Callable

from nix_compat.derivation.hashing import DerivationHasher, DrvHash
from nix_compat.derivation.model import Derivation
from nix_compat.store_path import StorePath

__all__ = ["KnownPaths"]


class KnownPaths:
    """Derivations by ``.drv`` path; ``load`` finds the others (in the store), and
    ``references`` tells what a path that is not a known derivation refers to."""

    def __init__(
        self,
        store_dir: str,
        load: Callable[[StorePath], Derivation],
        references: Callable[[StorePath], tuple[StorePath, ...]],
    ) -> None:
        self._derivations: dict[StorePath, Derivation] = {}
        self._load = load
        self._references = references
        self.hasher = DerivationHasher(self.derivation, store_dir)

    def add(self, path: StorePath, drv: Derivation, modulo: DrvHash | None = None) -> None:
        """Know the derivation at ``path`` (and the hash modulo its users need, if known)."""
        self._derivations[path] = drv
        self.hasher.add(path, drv, modulo)

    def derivation(self, path: StorePath) -> Derivation:
        drv = self._derivations.get(path)
        if drv is None:
            drv = self._load(path)
            self._derivations[path] = drv
        return drv

    def closure(self, root: StorePath) -> list[StorePath]:
        """``root`` and every path it refers to, directly or not (each once)."""
        seen = {root}
        order = [root]
        stack = [root]
        while stack:
            path = stack.pop()
            if path.name.endswith(".drv"):
                refs: tuple[StorePath, ...] = tuple(self.derivation(path).references())
            else:
                refs = self._references(path)
            for ref in refs:
                if ref not in seen:
                    seen.add(ref)
                    order.append(ref)
                    stack.append(ref)
        return order
