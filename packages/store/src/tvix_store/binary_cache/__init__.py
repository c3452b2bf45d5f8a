"""Nix binary caches (the layout ``nix copy`` reads and writes), as client and writer.

- :mod:`~tvix_store.binary_cache.compression`: the compressions of ``nar/`` files;
- :mod:`~tvix_store.binary_cache.transport`: reading and writing a cache over HTTP(S) or files;
- :mod:`~tvix_store.binary_cache.upload`: a store path written into a cache, as ``nix copy --to``.

The PathInfo service that reads a cache is :mod:`tvix_store.pathinfoservice.nix_http`;
nar-bridge (:mod:`tvix_store.nar_bridge`) serves the store as one.
"""
