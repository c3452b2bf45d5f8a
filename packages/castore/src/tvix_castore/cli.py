"""The ``tvix-castore`` command: import trees, read them back, serve them over gRPC.

Services come from ``--blob-service-addr``/``--directory-service-addr`` URLs or a
``--config`` composition file; with none, the embedded store under ``$XDG_DATA_HOME/tvix``
(blobs as local files, directories in sqlite) is used, so there is nothing to start.
Failures print one ``error:`` line and exit 1, never a traceback.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

try:
    import click
except ModuleNotFoundError:  # a library install, without the command's extra
    sys.exit("error: the tvix-castore command needs: pip install 'tvix-castore[cli]'")

from tvix_castore.blobs.service import BlobService
from tvix_castore.composition import (
    Composition,
    blob_service_from_url,
    directory_service_from_url,
)
from tvix_castore.digest import B3Digest
from tvix_castore.directories.service import DirectoryService
from tvix_castore.embedded import default_store_url
from tvix_castore.errors import CastoreError, DirectoryNotFoundError
from tvix_castore.ingest import ingest_archive, ingest_path
from tvix_castore.nodes import DirectoryNode, FileNode, Node, SymlinkNode
from tvix_castore.server import serve

__all__ = ["format_node", "main"]


def format_node(node: Node) -> bytes:
    """A root node as Tvix prints it: ``directory b3:… SIZE``, ``file b3:… SIZE [executable]``
    or ``symlink TARGET``."""
    if isinstance(node, DirectoryNode):
        return f"directory {node.digest} {node.size}".encode()
    if isinstance(node, FileNode):
        flag = " executable" if node.executable else ""
        return f"file {node.digest} {node.size}{flag}".encode()
    return b"symlink " + node.target


@dataclass
class Services:
    blob_url: str | None
    directory_url: str | None
    config: Path | None

    def open(self) -> tuple[BlobService, DirectoryService]:
        if self.config is not None:
            composition = Composition.from_file(self.config)
            return composition.blob_service(), composition.directory_service()
        blob_url = self.blob_url
        if blob_url is None:
            blob_url = default_store_url("blobservices")
        directory_url = self.directory_url
        if directory_url is None:
            directory_url = default_store_url("directoryservices")
        return blob_service_from_url(blob_url), directory_service_from_url(directory_url)


@contextmanager
def _services(ctx: click.Context) -> Iterator[tuple[BlobService, DirectoryService]]:
    blobs, directories = ctx.obj.open()
    try:
        yield blobs, directories
    finally:
        blobs.close()
        directories.close()


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A byte counter on stderr for long imports (only when asked or on a terminal)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import DownloadColumn, Progress, SpinnerColumn, TextColumn

    lock = threading.Lock()
    with Progress(
        SpinnerColumn(),
        TextColumn("importing"),
        DownloadColumn(),
        transient=True,
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task("import", total=None)

        def advance(n: int) -> None:
            with lock:
                bar.advance(task, n)

        yield advance


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--blob-service-addr", envvar="BLOB_SERVICE_ADDR", help="blob service URL")
@click.option(
    "--directory-service-addr", envvar="DIRECTORY_SERVICE_ADDR", help="directory service URL"
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="composition file (TOML or JSON) describing the services",
)
@click.pass_context
def cli(
    ctx: click.Context,
    blob_service_addr: str | None,
    directory_service_addr: str | None,
    config: Path | None,
) -> None:
    """Tvix's content-addressed store, usable without Nix."""
    ctx.obj = Services(blob_service_addr, directory_service_addr, config)


@cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--archive", is_flag=True, help="PATH is a tar archive (gz/bz2/xz/zstd); - is stdin")
@click.option("--progress/--no-progress", default=None, help="show progress (default: on a tty)")
@click.pass_context
def import_(ctx: click.Context, path: Path, archive: bool, progress: bool | None) -> None:
    """Import a file system tree (or a tar archive) and print its root node."""
    show = sys.stderr.isatty() if progress is None else progress
    with _services(ctx) as (blobs, directories), _progress(show) as advance:
        if archive:
            if str(path) == "-":
                source: BinaryIO = sys.stdin.buffer
                root: Node = ingest_archive(source, blobs, directories, progress=advance)  # type: ignore[arg-type]
            else:
                try:
                    with open(path, "rb") as source:
                        root = ingest_archive(source, blobs, directories, progress=advance)  # type: ignore[arg-type]
                except OSError as exc:
                    _fail(f"{path}: {exc.strerror}")
        else:
            root = ingest_path(path, blobs, directories, progress=advance)
    sys.stdout.buffer.write(format_node(root) + b"\n")


def _walk_to(directories: DirectoryService, root: B3Digest, path: str) -> Node:
    node: Node = DirectoryNode(root, 0)
    for part in (p for p in os.fsencode(path).split(b"/") if p):
        if not isinstance(node, DirectoryNode):
            raise CastoreError(f"{path}: {part!r} is inside something that is not a directory")
        directory = directories.get(node.digest)
        if directory is None:
            raise DirectoryNotFoundError(node.digest)
        if part not in directory:
            raise CastoreError(f"{path}: no entry {os.fsdecode(part)!r}")
        node = directory[part]
    return node


@cli.command("ls")
@click.argument("digest")
@click.argument("path", default="")
@click.pass_context
def ls(ctx: click.Context, digest: str, path: str) -> None:
    """List a directory (by digest, optionally a PATH below it): one node and name a line."""
    root = B3Digest.parse(digest)
    with _services(ctx) as (_, directories):
        node = _walk_to(directories, root, path)
        if not isinstance(node, DirectoryNode):
            sys.stdout.buffer.write(format_node(node) + b"\n")
            return
        directory = directories.get(node.digest)
        if directory is None:
            raise DirectoryNotFoundError(node.digest)
        for name, child in directory.items():
            sys.stdout.buffer.write(format_node(child) + b" " + name + b"\n")


@cli.command("cat")
@click.argument("digest")
@click.argument("path", default="")
@click.pass_context
def cat(ctx: click.Context, digest: str, path: str) -> None:
    """Write a blob (by digest, or a file at PATH below a directory digest) to stdout."""
    parsed = B3Digest.parse(digest)
    with _services(ctx) as (blobs, directories):
        if path:
            node = _walk_to(directories, parsed, path)
            if not isinstance(node, FileNode):
                kind = "a symlink" if isinstance(node, SymlinkNode) else "a directory"
                raise CastoreError(f"{path}: is {kind}, not a file")
            parsed = node.digest
        with blobs.open_read(parsed) as reader:
            while piece := reader.read(1024 * 1024):
                sys.stdout.buffer.write(piece)
        sys.stdout.buffer.flush()


@cli.command("serve")
@click.option(
    "--listen",
    default="127.0.0.1:8000",
    show_default=True,
    help="host:port or unix:/path/to/socket",
)
@click.pass_context
def serve_(ctx: click.Context, listen: str) -> None:
    """Serve the blob and directory services over gRPC until interrupted."""
    with _services(ctx) as (blobs, directories):
        running = serve(blobs, directories, listen)
        click.echo(f"serving on {running.url}", err=True)
        running.serve_until_signalled()


@cli.command("mount")
@click.argument("mountpoint", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("digest")
@click.pass_context
def mount_(ctx: click.Context, mountpoint: Path, digest: str) -> None:
    """Mount a directory (by digest) read-only at MOUNTPOINT until unmounted."""
    from tvix_castore.mount import CastoreFs, fuse_available, mount

    reason = fuse_available()
    if reason is not None:
        raise CastoreError(f"cannot mount: {reason}")
    root = B3Digest.parse(digest)
    with _services(ctx) as (blobs, directories):
        directory = directories.get(root)
        if directory is None:
            raise DirectoryNotFoundError(root)
        mount(CastoreFs(blobs, directories, root=directory.as_node()), mountpoint)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command, turning our errors into one ``error:`` line."""
    try:
        cli.main(args=argv, prog_name="tvix-castore", standalone_mode=False)
    except click.exceptions.Abort:
        _fail("interrupted")
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except CastoreError as exc:
        _fail(str(exc))
    except BrokenPipeError:
        sys.exit(1)
