"""``fetchClosure`` (experimental feature ``fetch-closure``): a store path and its closure
copied from a binary cache, as C++ Nix 2.26 copies them.

A content-addressed path is its own proof and needs no signature. An input-addressed one is
taken only when asked for (``inputAddressed = true``) and only with a signature by a key of
the ``trusted-public-keys`` setting, or rewritten to content-addressed form (``toPath``,
which must be the path that form has).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from tvix_eval.builtins.arguments import bool_arg, plain_string_arg, set_arg
from tvix_eval.builtins.registry import BuiltinSet
from tvix_eval.errors import NixError
from tvix_eval.value import attr_position, force, make_string

from tvix_glue.builtins.store_paths import coerce_to_store_path

if TYPE_CHECKING:
    from nix_compat.signing import VerifyingKey
    from nix_compat.store_path import StorePath
    from tvix_store.pathinfo import PathInfo

    from tvix_glue.store_io import TvixStoreIO

__all__ = ["FETCH_CLOSURE_BUILTINS"]

Value = Any

FETCH_CLOSURE_BUILTINS = BuiltinSet()

_ATTRS = ("fromPath", "fromStore", "inputAddressed", "toPath")
_INPUT_ADDRESSED = (
    "The 'fromPath' value '{path}' is input-addressed, but 'inputAddressed' is set to 'false' "
    "(default).\n\nIf you do intend to fetch an input-addressed store path, add\n\n"
    "    inputAddressed = true;\n\nto the 'fetchClosure' arguments.\n\nNote that to ensure "
    "authenticity input-addressed store paths, users must configure a trusted binary cache "
    "public key on their systems. This is not needed for content-addressed paths."
)
_NOT_INPUT_ADDRESSED = (
    "The store object referred to by 'fromPath' at '{path}' is not input-addressed, but "
    "'inputAddressed' is set to 'true'.\n\nRemove the 'inputAddressed' attribute (it defaults "
    "to 'false') to expect 'fromPath' to be content-addressed"
)


@FETCH_CLOSURE_BUILTINS.builtin("fetchClosure", 1, stateful=True, feature="fetch-closure")
def fetch_closure(io: TvixStoreIO, args: Value) -> str:
    attrs = set_arg(args, "fetchClosure", 0)
    for name in attrs:
        if name not in _ATTRS:
            raise NixError(f"attribute '{name}' isn't supported in call to 'fetchClosure'")
    for name in ("fromPath", "fromStore"):
        if name not in attrs:
            raise NixError(f"attribute '{name}' is missing in call to 'fetchClosure'")
    what = "while evaluating the '{}' attribute passed to builtins.fetchClosure"

    def store_path_attr(name: str) -> StorePath:
        span = attr_position(attrs, name)
        return coerce_to_store_path(io, attrs[name], what.format(name), span)

    from_path = store_path_attr("fromPath")
    # An empty toPath asks for the path to be computed and told.
    to_path: StorePath | None = None
    to_path_gap = "toPath" in attrs and force(attrs["toPath"]) == ""
    if "toPath" in attrs and not to_path_gap:
        to_path = store_path_attr("toPath")
    input_addressed = "inputAddressed" in attrs and bool_arg(
        attrs["inputAddressed"], "fetchClosure", what=what.format("inputAddressed")
    )
    if input_addressed and "toPath" in attrs:
        raise NixError(
            "attribute 'inputAddressed' is set to true, but 'toPath' is also set. "
            "Please remove one of them"
        )
    store_url = str(
        plain_string_arg(attrs["fromStore"], "fetchClosure", what=what.format("fromStore"))
    )
    _check_store_url(store_url)
    shown = from_path.to_absolute_path(io.store_dir)
    if "toPath" in attrs:
        result = _rewritten(io, store_url, from_path, to_path)
        absolute = result.to_absolute_path(io.store_dir)
        return make_string(absolute, frozenset({absolute}))
    info = _copied(io, store_url, from_path)
    if input_addressed:
        if info.ca is not None:
            raise NixError(_NOT_INPUT_ADDRESSED.format(path=shown))
        result = from_path
    else:
        if info.ca is None:
            raise NixError(_INPUT_ADDRESSED.format(path=shown))
        result = from_path
    absolute = result.to_absolute_path(io.store_dir)
    return make_string(absolute, frozenset({absolute}))


def _check_store_url(url: str) -> None:
    from urllib.parse import urlsplit

    scheme = urlsplit(url).scheme
    # C++ Nix lets its own tests use a cache in a folder; so do we, the same way.
    if scheme not in ("http", "https") and not (scheme == "file" and "_NIX_IN_TEST" in os.environ):
        raise NixError("'fetchClosure' only supports http:// and https:// stores")


def _copied(io: TvixStoreIO, url: str, path: StorePath) -> PathInfo:
    """``path``'s closure copied from the cache at ``url`` (unless the store has it)."""
    from tvix_store.copy import copy_from_cache
    from tvix_store.errors import PathMissing, StoreError

    store = io.store
    info = io.path_info(path)
    if info is not None:
        return info
    try:
        copy_from_cache(
            url,
            [path],
            store.blobs,
            store.directories,
            store.path_infos,
            public_keys=_keys(io.trusted_public_keys),
        )
    except PathMissing as exc:
        raise NixError(f"path '{exc.path}' is not valid") from None
    except StoreError as exc:
        raise NixError(str(exc)) from None
    info = io.path_info(path)
    if info is None:
        raise NixError(f"path '{path.to_absolute_path(io.store_dir)}' is not valid")
    return info


def _rewritten(
    io: TvixStoreIO, url: str, from_path: StorePath, to_path: StorePath | None
) -> StorePath:
    """``from_path`` in content-addressed form, which must be ``to_path`` (None: the caller
    is told what it is). A ``to_path`` the store has is taken as it is, as in C++ Nix (only
    checked to be content-addressed). The contents vouch for the path they are rewritten to:
    no signature is needed."""
    if to_path is not None:
        known = io.path_info(to_path)
        if known is not None:
            if known.ca is None:
                raise NixError(
                    f"The 'toPath' value '{to_path.to_absolute_path(io.store_dir)}' is "
                    "input-addressed, so it can't possibly be the result of rewriting to a "
                    "content-addressed path.\n\nSet 'toPath' to an empty string to make Nix "
                    "report the correct content-addressed path."
                )
            return to_path
    return _content_addressed(io, _unregistered(io, url, from_path), to_path)


def _unregistered(io: TvixStoreIO, url: str, path: StorePath) -> PathInfo:
    """``path`` from the store, or else its contents from the cache at ``url`` put in
    castore (checked against its NAR hash) but not made valid in the store."""
    from tvix_store.errors import StoreError
    from tvix_store.pathinfoservice.nix_http import NixHttpPathInfoService
    from tvix_store.pathinfoservice.service import path_info_of

    store = io.store
    info = io.path_info(path)
    if info is not None:
        return info
    source = NixHttpPathInfoService(url, store.blobs, store.directories, public_keys=None)
    try:
        info = path_info_of(source, path)
    except StoreError as exc:
        raise NixError(str(exc)) from None
    finally:
        source.close()
    if info is None:
        raise NixError(f"path '{path.to_absolute_path(io.store_dir)}' is not valid")
    return info


def _content_addressed(io: TvixStoreIO, info: PathInfo, expected: StorePath | None) -> StorePath:
    """The path ``info``'s object has in content-addressed form, which must be
    ``expected`` (None: an error tells what it is)."""
    from nix_compat.hash import NixHash
    from nix_compat.store_path import make_fixed_output_path

    shown = info.store_path.to_absolute_path(io.store_dir)
    if info.ca is not None:
        if not info.follows_from_content_address():
            raise NixError(f"'{shown}': its content address does not give its store path")
        made = info.store_path
    elif info.references:
        raise NixError(
            f"rewriting '{shown}' to content-addressed form is not supported by tvix yet for "
            "a path with references"
        )
    else:
        hash_ = NixHash("sha256", info.nar_sha256)
        made = make_fixed_output_path(info.store_path.name, hash_, True, store_dir=io.store_dir)
    made_shown = made.to_absolute_path(io.store_dir)
    if info.ca is None:
        from tvix_eval.builtins.log import log

        log(f"rewriting '{shown}' to '{made_shown}'")
    yielded = f"rewriting '{shown}' to content-addressed form yielded '{made_shown}'"
    if expected is None:
        raise NixError(
            f"{yielded}\nUse this value for the 'toPath' attribute passed to 'fetchClosure'"
        )
    if made != expected:
        raise NixError(f"{yielded}, while '{expected.to_absolute_path(io.store_dir)}' was expected")
    if info.ca is None:
        _register_rewritten(io, info, made)
    else:
        io.store.path_infos.put(info)
    return made


def _register_rewritten(io: TvixStoreIO, info: PathInfo, path: StorePath) -> None:
    """The same contents (no references to rewrite) under their content-addressed path."""
    from dataclasses import replace

    from nix_compat.content_address import ContentAddress, ContentAddressMethod
    from nix_compat.hash import NixHash

    ca = ContentAddress(ContentAddressMethod.NAR, NixHash("sha256", info.nar_sha256))
    io.store.path_infos.put(replace(info, store_path=path, ca=ca, signatures=(), deriver=None))


def _keys(texts: tuple[str, ...]) -> list[VerifyingKey]:
    """The keys that parse (C++ Nix, too, skips a key it cannot read)."""
    from nix_compat.errors import NixCompatError
    from nix_compat.signing import VerifyingKey

    keys = []
    for text in texts:
        try:
            keys.append(VerifyingKey.parse(text))
        except NixCompatError:
            continue
    return keys
