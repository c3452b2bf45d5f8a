"""Mercurial repositories in the store, as ``fetchMercurial`` and ``fetchTree { type = "hg"; }``
fetch them, with the ``hg`` command.

A local working copy named without a revision is taken as it is on disk when it has
uncommitted changes (its tracked files, with a warning, and no revision); otherwise the
repository is pulled into a clone of our own under the user's cache
(``$XDG_CACHE_HOME/tvix/hg``) and the revision asked for (by default the tip of the
``default`` branch) is archived from there and added to the store as a source path.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tvix_eval.errors import NixError

from tvix_glue.fetchers.programs import local_path, run_program
from tvix_glue.fetchers.tree import FetchedTree, add_tree, keep_only

if TYPE_CHECKING:
    from tvix_glue.store_io import TvixStoreIO

__all__ = ["HgRequest", "fetch_mercurial"]


@dataclass
class HgRequest:
    """What to fetch from a repository: a URL, a revision (40 hex digits) or a ref (a
    branch, a tag, a bookmark), the store path's name; ``shown`` names it in errors."""

    url: str
    shown: str
    ref: str | None = None
    rev: str | None = None
    name: str = "source"


def _hg(*args: str) -> str:
    """Run hg without the user's configuration; its output."""
    return run_program("hg", list(args), env={"HGPLAIN": "1", "HGRCPATH": ""})


def fetch_mercurial(io: TvixStoreIO, request: HgRequest) -> FetchedTree:
    """The tree ``request`` names, in the store, with ``rev``, ``revCount`` and the
    ``branch`` (in :attr:`FetchedTree.ref`) it was taken from."""
    try:
        local = local_path(request.url)
        if local is not None and not request.rev and not request.ref:
            dirty = _dirty_tree(io, local, request)
            if dirty is not None:
                return dirty
        return _fetch_revision(io, request)
    except NixError as e:
        e.add_trace(f"while fetching the input '{request.shown}'")
        raise


def _dirty_tree(io: TvixStoreIO, path: str, request: HgRequest) -> FetchedTree | None:
    """A working copy with uncommitted changes, as it is on disk (None when it has none)."""
    if not os.path.isdir(os.path.join(path, ".hg")):
        return None
    if not _hg("status", "-R", path, "--modified", "--added", "--removed").strip():
        return None
    from tvix_eval.builtins.log import log

    log(f"warning: Mercurial tree '{path}' is unclean")
    listing = _hg("status", "-R", path, "--clean", "--modified", "--added", "--no-status", "-0")
    tracked = {name for name in listing.split("\0") if name}
    return add_tree(io, path, request.name, keep=keep_only(path, tracked))


def _cache_clone(url: str) -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    clone = Path(base) / "tvix" / "hg" / hashlib.sha256(url.encode()).hexdigest()[:32]
    if not (clone / ".hg").is_dir():
        clone.parent.mkdir(parents=True, exist_ok=True)
        _hg("clone", "--noupdate", "--quiet", "--", url, str(clone))
    return str(clone)


def _fetch_revision(io: TvixStoreIO, request: HgRequest) -> FetchedTree:
    clone = _cache_clone(request.url)
    wanted = request.rev or request.ref or "default"
    if not (request.rev and _known_revision(clone, request.rev)):
        _hg("pull", "--quiet", "-R", clone, "--", request.url)
    try:
        node, number, branch = _hg(
            "log", "-R", clone, "-r", wanted, "--template", "{node} {rev} {branch}"
        ).split(" ", 2)
    except NixError:
        raise NixError(f"unknown Mercurial revision or ref '{wanted}'") from None
    with tempfile.TemporaryDirectory(prefix="tvix-hg-") as scratch:
        out = os.path.join(scratch, "tree")
        _hg("archive", "-R", clone, "-r", node, "--type", "files", "--", out)
        archival = os.path.join(out, ".hg_archival.txt")
        if os.path.exists(archival):
            os.remove(archival)
        tree = add_tree(io, out, request.name)
    tree.attrs.update(rev=node, revCount=int(number) + 1)
    tree.ref = request.ref or branch
    return tree


def _known_revision(clone: str, rev: str) -> bool:
    try:
        _hg("log", "-R", clone, "-r", rev, "--template", "{node}")
    except NixError:
        return False
    return True
