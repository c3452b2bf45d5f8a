"""``fetchMercurial``: a Mercurial repository's revision in the store (see
:mod:`tvix_glue.fetchers.mercurial`), as the attribute set C++ Nix 2.26 returns (``outPath``,
``branch``, ``rev``, ``shortRev`` of 12 digits, ``revCount``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tvix_eval.builtins.arguments import plain_string_arg
from tvix_eval.builtins.registry import BuiltinSet
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops
from tvix_eval.value import force, make_string

if TYPE_CHECKING:
    from tvix_glue.store_io import TvixStoreIO

__all__ = ["FETCH_MERCURIAL_BUILTINS"]

Value = Any

FETCH_MERCURIAL_BUILTINS = BuiltinSet()

_REV = re.compile(r"[0-9a-fA-F]{40}")


def _string(value: Value, what: str) -> str:
    return str(plain_string_arg(value, "fetchMercurial", what=what))


@FETCH_MERCURIAL_BUILTINS.builtin("fetchMercurial", 1, stateful=True)
def fetch_mercurial(io: TvixStoreIO, args: Value) -> dict[str, Value]:
    from tvix_glue.fetchers.inputs import Input
    from tvix_glue.fetchers.mercurial import HgRequest
    from tvix_glue.fetchers.mercurial import fetch_mercurial as fetch

    args = force(args)
    ref = rev = None
    name = "source"
    if isinstance(args, dict):
        url = ""
        for key, value in args.items():
            if key == "url":
                what = "while evaluating the `url` attribute passed to builtins.fetchMercurial"
                url = str(ops.coerce_to_string(force(value), what, copy_to_store=False))
            elif key == "rev":
                # A revision or, unlike fetchGit's, a branch, tag or bookmark.
                given = _string(value, "the `rev` attribute passed to builtins.fetchMercurial")
                rev, ref = (given.lower(), None) if _REV.fullmatch(given) else (None, given)
            elif key == "name":
                name = _string(value, "the `name` attribute passed to builtins.fetchMercurial")
            else:
                raise NixError(f"unsupported argument '{key}' to 'fetchMercurial'")
        if not url:
            raise NixError("'url' argument required")
    else:
        what = "while evaluating the first argument passed to builtins.fetchMercurial"
        url = str(ops.coerce_to_string(args, what, copy_to_store=False))
    if io.pure_eval and rev is None:
        raise NixError("in pure evaluation mode, 'fetchMercurial' requires a Mercurial revision")
    url = url if "://" in url else "file://" + url
    attrs: dict[str, Any] = {"type": "hg", "url": url, "name": name}
    attrs.update({k: v for k, v in (("ref", ref), ("rev", rev)) if v is not None})
    tree = fetch(io, HgRequest(url, Input(attrs).to_url(), ref=ref, rev=rev, name=name))
    revision = str(tree.attrs.get("rev", "0" * 40))
    result: dict[str, Value] = {
        "outPath": make_string(tree.path, frozenset({tree.path})),
        "rev": revision,
        "shortRev": revision[:12],
    }
    if tree.ref is not None:
        result["branch"] = tree.ref
    if "revCount" in tree.attrs:
        result["revCount"] = tree.attrs["revCount"]
    return dict(sorted(result.items()))
