"""The Nix daemon wire protocol (``unix://`` stores, ``nix-daemon``), from both ends.

Layers, lowest first: :mod:`~nix_compat.wire.primitives` (words, padded strings, collections,
framed streams), :mod:`~nix_compat.wire.handshake` (the greeting and version negotiation),
:mod:`~nix_compat.wire.ops` and :mod:`~nix_compat.wire.messages` (operations and their bodies),
:mod:`~nix_compat.wire.stderr` (the daemon's log stream and errors), then
:mod:`~nix_compat.wire.client` (talk to a daemon) and :mod:`~nix_compat.wire.server` (be one).
"""
