"""An evaluator joined to a tvix store: tvix-eval's evaluator with the store builtins and
the store-backed I/O, for one evaluation session."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from tvix_eval.evaluator import Evaluator
from tvix_eval.io import DEFAULT_STORE_DIR

from tvix_glue.builtins import STORE_BUILTINS
from tvix_glue.store_io import TvixStoreIO

if TYPE_CHECKING:
    from tvix_store.services import Store

__all__ = ["CORE_PACKAGES", "store_evaluator"]

#: What ``<nix/NAME>`` finds, as C++ Nix's own files: ``<nix/fetchurl.nix>``.
CORE_PACKAGES = {"fetchurl.nix": os.path.join(os.path.dirname(__file__), "nix", "fetchurl.nix")}


def store_evaluator(
    store: Store | Callable[[], Store],
    *,
    read_write: bool = False,
    store_dir: str = DEFAULT_STORE_DIR,
    pure_eval: bool = False,
    trusted_public_keys: Iterable[str] = (),
    tarball_ttl: int = 3600,
    build_service_url: str | None = None,
    **options: Any,
) -> Evaluator:
    """An evaluator whose paths, derivations and imports go to ``store`` (or to the store a
    function opens when it is first needed), written only with ``read_write`` (otherwise
    only named, as ``nix-instantiate --eval`` does), trusting binary cache paths signed by
    ``trusted_public_keys`` (``name:base64``), fetching again what has no hash after
    ``tarball_ttl`` seconds, building what evaluation reads of derivations' outputs with the
    build service ``build_service_url`` names (none: such reads fail); ``options`` are
    :class:`~tvix_eval.evaluator.Evaluator`'s."""
    io = TvixStoreIO(
        store,
        store_dir=store_dir,
        read_write=read_write,
        pure_eval=pure_eval,
        trusted_public_keys=tuple(trusted_public_keys),
        tarball_ttl=tarball_ttl,
        build_service_url=build_service_url,
    )
    evaluator = Evaluator(
        io,
        builtins=[s.bound(io) for s in STORE_BUILTINS],
        pure_eval=pure_eval,
        corepkgs=CORE_PACKAGES,
        **options,
    )
    io.evaluator = evaluator
    return evaluator
