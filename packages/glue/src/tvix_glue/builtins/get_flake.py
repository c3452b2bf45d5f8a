"""``getFlake`` (experimental feature ``flakes``): a flake's outputs, its inputs locked by its
lock file or, where that lacks them, fetched and locked now (see :mod:`tvix_glue.flakes`)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from tvix_eval.builtins.arguments import string_arg
from tvix_eval.builtins.registry import BuiltinSet
from tvix_eval.errors import NixError
from tvix_eval.runtime.calls import call, call2
from tvix_eval.syntax.source import Source
from tvix_eval.value import NixPath, force

if TYPE_CHECKING:
    from tvix_glue.store_io import TvixStoreIO

__all__ = ["GET_FLAKE_BUILTINS"]

Value = Any

GET_FLAKE_BUILTINS = BuiltinSet()

_CALL_FLAKE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "flakes", "call-flake.nix")


@GET_FLAKE_BUILTINS.builtin("getFlake", 1, stateful=True, feature="flakes")
def get_flake(io: TvixStoreIO, ref: Value) -> Value:
    from tvix_eval.builtins.log import log
    from tvix_eval.python_values import to_python

    from tvix_glue.builtins.fetch_tree import fetch_input, tree_attrs
    from tvix_glue.fetchers.inputs import parse_flake_ref
    from tvix_glue.flakes.lock import DeclaredInput, Locker, LockFile

    text = str(string_arg(ref, "getFlake", what="the argument passed to builtins.getFlake"))
    reference, _ = parse_flake_ref(text)
    if io.pure_eval and not _locked(reference.attrs):
        raise NixError(
            f"cannot call 'getFlake' on unlocked flake reference '{text}', at «none»:0 "
            "(use --impure to override)"
        )
    evaluator = io.evaluator
    assert evaluator is not None, "getFlake needs the evaluator its I/O serves"
    tree = fetch_input(io, reference)
    lock_path = os.path.join(tree.path, "flake.lock")
    lock = (
        LockFile.parse(io.read_file(lock_path).decode(), lock_path)
        if io.path_exists(lock_path)
        else LockFile()
    )
    importer = evaluator.base["import"]

    def read_inputs(source: str) -> dict[str, Any]:
        path = os.path.join(source, "flake.nix")
        if not io.path_exists(path):
            raise NixError(f"path '{path}' does not exist")
        flake = force(call(importer, NixPath(path)))
        if not isinstance(flake, dict) or "inputs" not in flake:
            return {}
        inputs = to_python(flake["inputs"])
        return inputs if isinstance(inputs, dict) else {}

    declared = {k: DeclaredInput.parse(k, v) for k, v in read_inputs(tree.path).items()}
    locker = Locker(lock, lambda source: fetch_input(io, source), read_inputs)
    locker.lock_inputs(lock.root, declared, [])
    if locker.added:
        # As C++ Nix, which changes the lock file only when asked to (`nix flake lock`).
        log(
            f"warning: not writing modified lock file of flake '{reference.to_url()}':\n"
            + "\n".join(locker.added)
        )
    with open(_CALL_FLAKE, encoding="utf-8") as nix_file:
        call_flake = force(evaluator.load(Source(_CALL_FLAKE, nix_file.read()))())
    return call2(call_flake, lock.to_json(), tree_attrs(tree, reference, fetch_git=False))


def _locked(attrs: dict[str, Any]) -> bool:
    return "narHash" in attrs or "rev" in attrs
