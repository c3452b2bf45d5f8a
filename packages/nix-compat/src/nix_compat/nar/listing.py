"""What a NAR holds, without its contents: the ``.ls`` files of binary caches, ``nix nar ls``.

A listing records each file's size, executable bit and ``narOffset`` (where its contents start
in the NAR), so a file can be read from a NAR by seeking, without parsing what comes before.
Binary caches written with ``write-nar-listing=true`` keep one per store path, as
``{"root": <node>, "version": 1}``; it is written here byte for byte as C++ Nix does (keys
sorted, no spaces, UTF-8 unescaped), without recursion so that any depth works.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from nix_compat.errors import NarError
from nix_compat.nar.format import (
    MAX_PATH_LEN,
    display_path,
    invalid_name_reason,
    invalid_target_reason,
    join_path,
    parse_path,
    quote_bytes,
)
from nix_compat.nar.reader import DirectoryEnd, DirectoryStart, FileEvent, NarReader, Readable

__all__ = [
    "ListedDirectory",
    "ListedFile",
    "ListedNode",
    "ListedSymlink",
    "dumps_listing",
    "dumps_node",
    "list_nar",
    "lookup",
    "ls_lines",
    "parse_listing",
]

LISTING_VERSION = 1
#: The largest size or offset in a listing: no file, and so no NAR, is larger than an off_t.
MAX_FILE_OFFSET = 2**63 - 1


@dataclass(frozen=True, slots=True)
class ListedFile:
    """A regular file: its size, mode and where its contents start in the NAR."""

    size: int
    executable: bool
    nar_offset: int


@dataclass(frozen=True, slots=True)
class ListedSymlink:
    target: bytes


@dataclass(frozen=True, slots=True)
class ListedDirectory:
    """A directory; ``entries`` are in NAR (byte) order."""

    entries: dict[bytes, ListedNode] = field(default_factory=dict)


ListedNode = ListedFile | ListedSymlink | ListedDirectory


def list_nar(source: Readable) -> ListedNode:
    """List the NAR on ``source`` (validating all of it; contents are skipped, not held)."""
    stack: list[dict[bytes, ListedNode]] = []
    root: ListedNode | None = None
    for event in NarReader(source):
        node: ListedNode
        if isinstance(event, DirectoryStart):
            stack.append({})
            continue
        if isinstance(event, DirectoryEnd):
            node = ListedDirectory(stack.pop())
        elif isinstance(event, FileEvent):
            node = ListedFile(event.size, event.executable, event.contents_offset)
        else:
            node = ListedSymlink(event.target)
        if stack:
            stack[-1][event.path.rpartition(b"/")[2]] = node
        else:
            root = node
    assert root is not None  # a NAR the reader accepted has a root
    return root


def lookup(root: ListedNode, path: str | bytes) -> ListedNode:
    """The node at ``path`` (resolved as C++ Nix resolves it; symlinks are not followed)."""
    canonical = parse_path(path)
    node = root
    for name in canonical.split(b"/") if canonical else ():
        child = node.entries.get(name) if isinstance(node, ListedDirectory) else None
        if child is None:
            raise NarError(f"path '{display_path(canonical)}' does not exist in the NAR")
        node = child
    return node


# -- the JSON of binary caches ---------------------------------------------------------------


def dumps_listing(root: ListedNode) -> str:
    """The ``.ls`` document of a NAR, as C++ Nix writes it (no trailing newline)."""
    return '{"root":' + dumps_node(root) + ',"version":' + str(LISTING_VERSION) + "}"


def dumps_node(root: ListedNode) -> str:
    """One node of a listing as JSON, entries included (``nix nar ls --json -R``)."""
    out: list[str] = []
    # Work items: a node to open, or text to emit once its entries are written.
    stack: list[tuple[bytes, ListedNode] | str] = [(b"", root)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        path, node = item
        if isinstance(node, ListedFile):
            executable = '"executable":true,' if node.executable else ""
            out.append(
                f'{{{executable}"narOffset":{node.nar_offset},"size":{node.size},"type":"regular"}}'
            )
        elif isinstance(node, ListedSymlink):
            target = _json_string(node.target, path, "symlink target")
            out.append(f'{{"target":{target},"type":"symlink"}}')
        else:
            out.append('{"entries":{')
            stack.append('},"type":"directory"}')
            for index, (name, child) in reversed(list(enumerate(node.entries.items()))):
                child_path = join_path(path, name)
                stack.append((child_path, child))
                key = _json_string(name, child_path, "name")
                stack.append(("," if index else "") + key + ":")
    return "".join(out)


def _json_string(data: bytes, path: bytes, what: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NarError(
            f"{what} {quote_bytes(data)} is not UTF-8, which a JSON listing cannot hold",
            path=display_path(path),
        ) from None
    return json.dumps(text, ensure_ascii=False)


def parse_listing(text: str | bytes) -> ListedNode:
    """The root node of a ``.ls`` document."""
    # Python's JSON decoder recurses once per level; a listing of the deepest tree a NAR may
    # hold nests two objects per directory, so allow that much, and no more.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + MAX_PATH_LEN + 100)
    try:
        document = json.loads(text, parse_int=_bounded_int)
    except (ValueError, RecursionError) as e:
        raise NarError(f"listing is not valid JSON: {e}") from None
    finally:
        sys.setrecursionlimit(limit)
    if not isinstance(document, dict) or document.get("version") != LISTING_VERSION:
        raise NarError(f"listing is not a version {LISTING_VERSION} NAR listing")
    return _node_from_json(document.get("root"))


def _node_from_json(root: Any) -> ListedNode:
    """Build the tree without recursion; siblings are pushed so they pop in byte order.

    What a listing says is held to the rules of the NAR it describes: names and targets that
    a NAR may hold (a name with '/' or '..' would let a lookup or ``ls`` escape the tree),
    sizes and offsets that a file can have.
    """
    top: dict[bytes, ListedNode] = {}
    pending: list[tuple[bytes, Any, dict[bytes, ListedNode], bytes]] = [(b"", root, top, b"")]
    while pending:
        path, value, parent, name = pending.pop()
        node: ListedNode
        kind = value.get("type") if isinstance(value, dict) else None
        if kind == "regular":
            executable = value.get("executable", False) is True
            node = ListedFile(
                _number(value, "size", path), executable, _number(value, "narOffset", path)
            )
        elif kind == "symlink" and isinstance(value.get("target"), str):
            target = _utf8(value["target"], "symlink target", path)
            reason = invalid_target_reason(target)
            if reason:
                raise NarError(f"listing entry: {reason}", path=display_path(path))
            node = ListedSymlink(target)
        elif kind == "directory" and isinstance(value.get("entries"), dict):
            entries: dict[bytes, ListedNode] = {}
            node = ListedDirectory(entries)
            children = []
            for key, child in value["entries"].items():
                child_name = _utf8(key, "entry name", path)
                reason = invalid_name_reason(child_name)
                if reason:
                    raise NarError(f"listing entry: {reason}", path=display_path(path))
                children.append((child_name, child))
            children.sort(key=lambda item: item[0])
            for child_name, child in reversed(children):
                pending.append((join_path(path, child_name), child, entries, child_name))
        else:
            raise NarError(
                "listing entry is not a file, symlink or directory", path=display_path(path)
            )
        parent[name] = node
    return top[b""]


def _bounded_int(digits: str) -> int | None:
    """A JSON integer, or None (refused where a number is wanted) past 20 digits.

    Python's int() refuses more than 4300 digits with a ValueError of its own; no size or
    offset has more than 19, so a longer number is simply not a valid one.
    """
    return int(digits) if len(digits) <= 20 else None


def _utf8(text: str, what: str, path: bytes) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which JSON's \u escapes can spell
        raise NarError(f"listing {what} {text!r} is not UTF-8", path=display_path(path)) from None


def _number(value: dict[str, Any], key: str, path: bytes) -> int:
    number = value.get(key)
    if (
        not isinstance(number, int)
        or isinstance(number, bool)
        or not 0 <= number <= MAX_FILE_OFFSET
    ):
        raise NarError(f"listing entry has no valid {key!r}", path=display_path(path))
    return number


# -- the text of ``nix nar ls`` --------------------------------------------------------------


def ls_lines(
    root: ListedNode,
    path: str | bytes = "/",
    *,
    long: bool = False,
    recursive: bool = False,
    directory: bool = False,
) -> Iterator[bytes]:
    """The lines ``nix nar ls [-l] [-R] [-d] NAR PATH`` prints, without their newlines.

    A directory is shown by its entries (``./name``) unless ``directory``; a file by its
    name; ``recursive`` descends into subdirectories.
    """
    canonical = parse_path(path)
    node = lookup(root, canonical)
    relative = b"." if isinstance(node, ListedDirectory) else canonical.rpartition(b"/")[2]
    stack: list[tuple[bytes, Iterator[tuple[bytes, ListedNode]]]] = []
    if isinstance(node, ListedDirectory) and not directory:
        stack.append((relative, iter(node.entries.items())))
    else:
        yield _ls_line(node, relative, long)
        if recursive and isinstance(node, ListedDirectory):
            stack.append((relative, iter(node.entries.items())))
    while stack:
        prefix, entries = stack[-1]
        step = next(entries, None)
        if step is None:
            stack.pop()
            continue
        name, child = step
        child_relative = prefix + b"/" + name
        yield _ls_line(child, child_relative, long)
        if recursive and isinstance(child, ListedDirectory):
            stack.append((child_relative, iter(child.entries.items())))


def _ls_line(node: ListedNode, relative: bytes, long: bool) -> bytes:
    if not long:
        return relative
    if isinstance(node, ListedFile):
        mode = b"-r-xr-xr-x" if node.executable else b"-r--r--r--"
        return b"%s %20d %s" % (mode, node.size, relative)
    if isinstance(node, ListedSymlink):
        return b"lrwxrwxrwx %20d %s -> %s" % (0, relative, node.target)
    return b"dr-xr-xr-x %20d %s" % (0, relative)
