"""A tree being imported, and turning it into directories, leaves first.

Importers first lay out the whole tree as nested dicts, with file nodes that may still be
uploading (futures, or anything whose ``result()`` waits for the node), then ``finish`` waits
for each directory's files, builds the directories bottom-up (iteratively, so deep nesting
cannot exhaust Python's stack) and hands them to a closure putter, which makes them visible
only once the whole tree is in.
"""

from __future__ import annotations

from typing import Protocol

from tvix_castore.directories.service import DirectoryPutter
from tvix_castore.nodes import Directory, DirectoryNode, FileNode, Node, SymlinkNode

__all__ = ["Entry", "Pending", "Tree", "finish"]


class Pending(Protocol):
    """A file node still being uploaded (a ``Future[FileNode]`` is one)."""

    def result(self) -> FileNode: ...


Tree = dict[bytes, "Entry"]
Entry = Node | Pending | Tree


def _resolve(entry: Entry) -> Node:
    assert not isinstance(entry, dict)
    if isinstance(entry, FileNode | DirectoryNode | SymlinkNode):
        return entry
    return entry.result()


def finish(tree: Tree, putter: DirectoryPutter) -> DirectoryNode:
    """Upload the directories of ``tree`` leaves first; returns the root's node."""
    done: dict[int, DirectoryNode] = {}
    stack: list[tuple[Tree, bool]] = [(tree, False)]
    while stack:
        current, expanded = stack.pop()
        if not expanded:
            stack.append((current, True))
            stack.extend((sub, False) for sub in current.values() if isinstance(sub, dict))
            continue
        entries: dict[bytes, Node] = {}
        for name, entry in current.items():
            entries[name] = done.pop(id(entry)) if isinstance(entry, dict) else _resolve(entry)
        directory = Directory(entries)
        putter.put(directory)
        done[id(current)] = directory.as_node()
    return done[id(tree)]
