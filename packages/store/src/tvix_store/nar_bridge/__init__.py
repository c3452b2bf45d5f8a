"""nar-bridge: the store served as a Nix binary cache over HTTP, for reading and writing.

- :mod:`~tvix_store.nar_bridge.app`: the HTTP application (aiohttp);
- :mod:`~tvix_store.nar_bridge.uploads`: NARs uploaded and waiting for their narinfo;
- :mod:`~tvix_store.nar_bridge.cli`: the ``nar-bridge`` command.
"""
