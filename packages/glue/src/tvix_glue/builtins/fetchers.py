"""``fetchurl`` and ``fetchTarball``: a URL's file, or its archive unpacked, in the store (see
:mod:`tvix_glue.fetchers.fetch`), as a string that depends on that store path (not a path
value)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tvix_eval.builtins.arguments import plain_string_arg
from tvix_eval.builtins.paths import base_name
from tvix_eval.builtins.registry import BuiltinSet
from tvix_eval.errors import NixError
from tvix_eval.value import force, make_string

if TYPE_CHECKING:
    from nix_compat.hash import NixHash

    from tvix_glue.store_io import TvixStoreIO

__all__ = ["FETCHER_BUILTINS"]

Value = Any

FETCHER_BUILTINS = BuiltinSet()

_ATTRS = ("name", "sha256", "url")


class _Request:
    def __init__(self, url: str, name: str, expected: NixHash | None) -> None:
        self.url = url
        self.name = name
        self.expected = expected


def _request(io: TvixStoreIO, value: Value, who: str, default_name: str | None) -> _Request:
    """The URL, name and hash a fetcher builtin is given (a URL alone, or a set); pure
    evaluation fetches only what a hash fixes."""
    request = _given(value, who, default_name)
    if io.pure_eval and request.expected is None:
        raise NixError(f"in pure evaluation mode, '{who}' requires a 'sha256' argument")
    return request


def _given(value: Value, who: str, default_name: str | None) -> _Request:
    value = force(value)
    if not isinstance(value, dict):
        url = str(plain_string_arg(value, who, what="the url we should fetch"))
        return _Request(url, default_name or base_name(url), None)
    for key in value:
        if key not in _ATTRS:
            raise NixError(f"unsupported argument '{key}' to '{who}'")
    if "url" not in value:
        raise NixError("'url' argument required")
    url = str(plain_string_arg(value["url"], who, what="the url we should fetch"))
    name = default_name or base_name(url)
    if "name" in value:
        name = str(
            plain_string_arg(value["name"], who, what="the name of the content we should fetch")
        )
    expected = None
    if "sha256" in value:
        text = str(
            plain_string_arg(value["sha256"], who, what="the sha256 of the content we should fetch")
        )
        expected = _parse_hash(text)
    return _Request(url, name, expected)


def _parse_hash(text: str) -> NixHash | None:
    from nix_compat.errors import NixCompatError
    from nix_compat.hash import NixHash

    if not text:
        # As C++ Nix: a hash to be filled in once the mismatch error tells the right one.
        from tvix_eval.builtins.log import log

        zero = NixHash("sha256", bytes(32))
        log(f"warning: found empty hash, assuming '{zero.to_sri()}'")
        return zero
    try:
        return NixHash.parse(text, "sha256")
    except NixCompatError as exc:
        raise NixError(str(exc)) from None


def _store_string(path: str) -> str:
    return make_string(path, frozenset({path}))


@FETCHER_BUILTINS.builtin("fetchurl", 1, stateful=True)
def fetchurl(io: TvixStoreIO, args: Value) -> str:
    from tvix_glue.fetchers.fetch import fetch_file

    request = _request(io, args, "fetchurl", None)
    return _store_string(fetch_file(io, request.url, request.name, request.expected))


@FETCHER_BUILTINS.builtin("fetchTarball", 1, global_=True, stateful=True)
def fetch_tarball(io: TvixStoreIO, args: Value) -> str:
    from tvix_glue.fetchers.fetch import fetch_tarball as fetch

    request = _request(io, args, "fetchTarball", "source")
    return _store_string(fetch(io, request.url, request.name, request.expected))
