"""The embedded sqlite directory store shared by several processes at once.

Writers in separate processes put closures into one file while a reader keeps reading; no
one sees a partial closure, and no write is lost to locking.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from tvix_castore.digest import B3Digest
from tvix_castore.directories.sqlite import SqliteDirectoryService
from tvix_castore.errors import DirectoryNotFoundError
from tvix_castore.nodes import Directory, FileNode


def closure(writer: int, index: int) -> list[Directory]:
    leaf = Directory(
        {f"w{writer}-{index}-{k}".encode(): FileNode(B3Digest.of(b"x"), 1) for k in range(5)}
    )
    mid = Directory({b"leaf": leaf.as_node()})
    return [leaf, mid, Directory({b"mid": mid.as_node(), b"again": leaf.as_node()})]


def write_many(path: str, writer: int, count: int) -> None:
    service = SqliteDirectoryService(path)
    for index in range(count):
        with service.put_closure() as putter:
            for directory in closure(writer, index):
                putter.put(directory)
    service.close()


def test_processes_write_while_another_reads(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite")
    SqliteDirectoryService(path).close()
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=write_many, args=(path, w, 40)) for w in range(3)]
    for process in writers:
        process.start()
    reader = SqliteDirectoryService(path)
    roots = [closure(w, i)[-1].digest for w in range(3) for i in range(40)]
    while any(p.is_alive() for p in writers):
        for root in roots[::7]:
            try:
                got = list(reader.get_recursive(root))
            except DirectoryNotFoundError:
                continue
            assert len(got) == 3  # all or nothing: never a root without its children
    for process in writers:
        process.join()
        assert process.exitcode == 0
    for root in roots:
        assert len(list(reader.get_recursive(root))) == 3
    reader.close()
