"""Git repositories in the store, as ``fetchGit`` and ``fetchTree { type = "git"; }`` fetch
them, with the ``git`` command.

Three ways in, as C++ Nix 2.26 has them:

- a local working tree named without ``ref`` or ``rev``: its tracked files as they are on
  disk. A clean tree is its ``HEAD`` commit; a dirty one gets a warning and no revision;
- a local repository with ``ref`` or ``rev``: that commit, read from the repository itself;
- any other URL: fetched into a bare repository of our own under the user's cache
  (``$XDG_CACHE_HOME/tvix/git``), then read from there; a ``rev`` already there is not
  fetched again.

A commit's files are written out with git (``git archive`` where ``export-ignore`` applies,
else ``read-tree`` + ``checkout-index`` with an index of our own, which leaves a user's
repository untouched), submodules checked out into them when asked, and the result added to
the store as a source path named ``name`` (``source`` by default).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tvix_eval.errors import NixError

from tvix_glue.fetchers.programs import ProgramFailed, local_path, run_program
from tvix_glue.fetchers.tree import (
    FetchedTree,
    add_tree,
    keep_only,
    remember_tree,
    remembered_tree,
    time_attrs,
)

if TYPE_CHECKING:
    from tvix_glue.fetchers.inputs import Attr
    from tvix_glue.store_io import TvixStoreIO

__all__ = ["GitRequest", "fetch_git"]


@dataclass
class GitRequest:
    """What to fetch from a repository; ``shown`` names it in errors."""

    url: str
    shown: str
    ref: str | None = None
    rev: str | None = None
    shallow: bool = False
    submodules: bool = False
    export_ignore: bool = False
    all_refs: bool = False
    name: str = "source"


def _git(*args: str, cwd: str | None = None, env: dict[str, str] | None = None) -> str:
    """Run git quietly (never asking for a password); its output."""
    settings = {"GIT_TERMINAL_PROMPT": "0", **(env or {})}
    return run_program("git", ["-c", "protocol.file.allow=always", *args], env=settings, cwd=cwd)


def _work_tree(path: str) -> bool:
    try:
        return _git("-C", path, "rev-parse", "--show-toplevel").strip() == os.path.realpath(path)
    except ProgramFailed:
        return False


def fetch_git(io: TvixStoreIO, request: GitRequest) -> FetchedTree:
    """The tree ``request`` names, in the store, with ``rev``, ``revCount``,
    ``lastModified`` and the rest of what C++ Nix tells about it."""
    try:
        local = local_path(request.url)
        if local is not None and not request.ref and not request.rev and _work_tree(local):
            return _fetch_work_tree(io, local, request)
        params = {
            "url": request.url,
            "rev": request.rev,
            "submodules": request.submodules,
            "exportIgnore": request.export_ignore,
            "name": request.name,
            "shallow": request.shallow,
        }
        if request.rev:  # a commit does not change: fetched once
            remembered = remembered_tree(io, "git", params, None)
            if remembered is not None:
                return _shallowed(remembered, request)
        if local is not None and os.path.isdir(local):
            repo = local
        else:
            if not request.rev and not request.ref:
                request = replace(request, ref=_default_ref(request.url))
            if request.ref:
                request = replace(request, ref=_full_ref(request.ref))
            repo = _cached(request)
        rev = _resolve(repo, request)
        tree = _fetch_commit(io, repo, rev, request)
        tree.ref = request.ref
        remember_tree(io, "git", {**params, "rev": rev}, tree)
        return _shallowed(tree, request)
    except NixError as e:
        e.add_trace(f"while fetching the input '{request.shown}'")
        raise


def _shallowed(tree: FetchedTree, request: GitRequest) -> FetchedTree:
    """Without the history (shallow) the count of commits is not known."""
    if request.shallow:
        tree.attrs.pop("revCount", None)
    return tree


# -- a working tree ------------------------------------------------------------------------


def _fetch_work_tree(io: TvixStoreIO, path: str, request: GitRequest) -> FetchedTree:
    head = _head(path)
    ignore = "none" if request.submodules else "all"
    status = _git(
        "-C",
        path,
        "status",
        "--porcelain",
        "-z",
        "--untracked-files=no",
        f"--ignore-submodules={ignore}",
    )
    if head is not None and not status:
        tree = _fetch_commit(io, path, head, request)
        try:
            tree.ref = _git("-C", path, "symbolic-ref", "-q", "HEAD").strip() or None
        except ProgramFailed:
            tree.ref = None  # a detached HEAD
        return tree
    from tvix_eval.builtins.log import log

    log(f"warning: Git tree '{path}' is dirty")
    listing = ["ls-files", "-z"] + (["--recurse-submodules"] if request.submodules else [])
    tracked = {name for name in _git("-C", path, *listing).split("\0") if name}
    tree = add_tree(io, path, request.name, keep=keep_only(path, tracked))
    if head is not None:
        seconds = int(_git("-C", path, "log", "-1", "--format=%ct", head).strip())
        tree.attrs.update(time_attrs(seconds))
        tree.attrs["dirtyRev"] = head + "-dirty"
        tree.attrs["dirtyShortRev"] = head[:7] + "-dirty"
    else:
        tree.attrs.update(time_attrs(0))
    return tree


def _head(path: str) -> str | None:
    try:
        return _git("-C", path, "rev-parse", "--verify", "-q", "HEAD^{commit}").strip() or None
    except ProgramFailed:
        return None


# -- a commit ------------------------------------------------------------------------------


def _resolve(repo: str, request: GitRequest) -> str:
    if request.rev:
        try:
            _git("-C", repo, "cat-file", "-e", request.rev + "^{commit}")
        except ProgramFailed:
            raise NixError(
                f"getting Git object '{request.rev}': object not found - no match for id "
                f"({request.rev})"
            ) from None
        return request.rev
    ref = request.ref or "HEAD"
    try:
        return _git("-C", repo, "rev-parse", "--verify", "-q", ref + "^{commit}").strip()
    except ProgramFailed:
        raise NixError(f"resolving Git reference '{ref}': revspec '{ref}' not found") from None


def _fetch_commit(io: TvixStoreIO, repo: str, rev: str, request: GitRequest) -> FetchedTree:
    with tempfile.TemporaryDirectory(prefix="tvix-git-") as scratch:
        out = os.path.join(scratch, "tree")
        os.mkdir(out)
        _write_commit(repo, rev, out, request.export_ignore and not request.submodules)
        if request.submodules:
            _write_submodules(repo, rev, out, request.url)
        else:
            _remove_submodule_folders(repo, rev, out)
        tree = add_tree(io, out, request.name)
    tree.attrs.update(_commit_attrs(repo, rev, with_count=True))
    return tree


def _write_commit(repo: str, rev: str, out: str, export_ignore: bool) -> None:
    """The files of commit ``rev`` of ``repo``, written under ``out``."""
    if export_ignore:
        archive = subprocess.Popen(
            ["git", "-C", repo, "archive", "--format=tar", rev],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert archive.stdout is not None
        import tarfile

        with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
            tar.extractall(out, filter="tar")
        if archive.wait() != 0:
            said = archive.stderr.read().decode("utf-8", "replace") if archive.stderr else ""
            raise ProgramFailed(f"program 'git' failed: {said.strip()}")
        return
    git_dir = _git("-C", repo, "rev-parse", "--absolute-git-dir").strip()
    with tempfile.TemporaryDirectory(prefix="tvix-git-index-") as scratch:
        env = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
        _git(f"--git-dir={git_dir}", f"--work-tree={out}", "read-tree", rev, env=env)
        _git(f"--git-dir={git_dir}", f"--work-tree={out}", "checkout-index", "-a", "-f", env=env)


def _write_submodules(repo: str, rev: str, out: str, url: str) -> None:
    """Each submodule of commit ``rev`` checked out at its commit under ``out``."""
    modules = os.path.join(out, ".gitmodules")
    if not os.path.exists(modules):
        return
    try:
        listing = _git("config", "-f", modules, "-z", "--get-regexp", r"^submodule\..*\.path$")
    except ProgramFailed:
        return
    for entry in filter(None, listing.split("\0")):
        key, _, path = entry.partition("\n")
        name = key[len("submodule.") : -len(".path")]
        sub_url = _git("config", "-f", modules, "--get", f"submodule.{name}.url").strip()
        commit = _git("-C", repo, "rev-parse", f"{rev}:{path}").strip()
        sub_url = _relative_url(url, sub_url)
        sub_request = GitRequest(url=sub_url, shown=sub_url, rev=commit, all_refs=True)
        local = local_path(sub_url)
        sub_repo = local if local is not None and os.path.isdir(local) else _cached(sub_request)
        target = os.path.join(out, path)
        os.makedirs(target, exist_ok=True)
        _write_commit(sub_repo, _resolve(sub_repo, sub_request), target, export_ignore=False)
        _write_submodules(sub_repo, commit, target, sub_url)


def _remove_submodule_folders(repo: str, rev: str, out: str) -> None:
    """Git writes a submodule left out as an empty folder; C++ Nix has nothing there."""
    for entry in filter(None, _git("-C", repo, "ls-tree", "-r", "-z", rev).split("\0")):
        meta, _, path = entry.partition("\t")
        if meta.startswith("160000 "):
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(out, path))


def _relative_url(base: str, url: str) -> str:
    """A submodule's URL, relative ones (``../lib``) taken from the superproject's URL."""
    if not (url.startswith("./") or url.startswith("../")):
        return url
    split = urlsplit(base)
    if split.scheme:
        joined = posixpath.normpath(posixpath.join(split.path.rstrip("/"), url))
        return split._replace(path=joined).geturl()
    return posixpath.normpath(posixpath.join(base.rstrip("/"), url))


def _commit_attrs(repo: str, rev: str, *, with_count: bool) -> dict[str, Attr]:
    seconds = int(_git("-C", repo, "log", "-1", "--format=%ct", rev).strip())
    attrs: dict[str, Attr] = {"rev": rev, "shortRev": rev[:7], **time_attrs(seconds)}
    if with_count:
        attrs["revCount"] = int(_git("-C", repo, "rev-list", "--count", rev).strip())
    return attrs


# -- remote repositories -------------------------------------------------------------------


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tvix" / "git"


def _cached(request: GitRequest) -> str:
    """A bare repository of our own holding what ``request`` needs from its URL."""
    repo = _cache_root() / hashlib.sha256(request.url.encode()).hexdigest()[:32]
    if not (repo / "HEAD").exists():
        repo.parent.mkdir(parents=True, exist_ok=True)
        _git("init", "--bare", "-q", str(repo))
    if request.rev and _has_commit(str(repo), request.rev):
        return str(repo)
    if request.all_refs or request.rev or not request.ref:
        spec = "+refs/*:refs/*"
    else:
        spec = f"+{request.ref}:{request.ref}"
    depth = ["--depth", "1"] if request.shallow and not request.rev else []
    if (
        not depth
        and _git("-C", str(repo), "rev-parse", "--is-shallow-repository").strip() == "true"
    ):
        depth = ["--unshallow"]  # a shallow fetch came first: the history is wanted now
    try:
        _git("-C", str(repo), "fetch", "--quiet", "--force", *depth, "--", request.url, spec)
    except ProgramFailed:
        if request.rev:
            raise
        ref = request.ref or "HEAD"
        raise NixError(f"resolving Git reference '{ref}': revspec '{ref}' not found") from None
    return str(repo)


def _full_ref(ref: str) -> str:
    """A remote's ref as it is fetched: a branch unless it says otherwise."""
    return ref if ref.startswith("refs/") or ref == "HEAD" else "refs/heads/" + ref


def _has_commit(repo: str, rev: str) -> bool:
    try:
        _git("-C", repo, "cat-file", "-e", rev + "^{commit}")
    except ProgramFailed:
        return False
    return True


def _default_ref(url: str) -> str:
    """The branch the remote's ``HEAD`` names (``master`` if it cannot be asked)."""
    try:
        listing = _git("ls-remote", "--symref", "--", url, "HEAD")
    except ProgramFailed:
        return "master"
    for line in listing.splitlines():
        if line.startswith("ref: "):
            return line[len("ref: ") :].split("\t")[0]
    return "master"
