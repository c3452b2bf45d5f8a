"""The ``tvix-store`` command: add trees, show path info and NARs, serve the store.

Services come from ``--blob-service-addr``, ``--directory-service-addr`` and
``--path-info-service-addr`` URLs or a ``--store-config`` composition file; with none, the
embedded store under ``$XDG_DATA_HOME/tvix`` that ``tvix-castore`` also uses (blobs as local
files, directories and PathInfo in sqlite), so there is nothing to start. Failures print one
``error:`` line and exit 1, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

try:
    import click
except ModuleNotFoundError:  # a library install, without the command's extra
    sys.exit("error: the tvix-store command needs: pip install 'tvix-store[cli]'")

from nix_compat.errors import NixCompatError
from nix_compat.store_path import DEFAULT_STORE_DIR, StorePath
from tvix_castore.errors import CastoreError

from tvix_store.errors import StoreError
from tvix_store.pathinfoservice.service import path_info_of
from tvix_store.services import Store, StoreAddresses

if TYPE_CHECKING:
    from nix_compat.signing import SigningKey

    from tvix_store.pathinfo import PathInfo

# Each command imports what only it needs: a command's start-up is paid on every run.

__all__ = ["main", "path_info_json", "read_signing_key", "run_command", "store_options"]


@contextmanager
def _store(ctx: click.Context) -> Iterator[Store]:
    store = ctx.obj.open()
    try:
        yield store
    finally:
        store.close()


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _store_path(text: str) -> StorePath:
    """The store path a command-line path names (a path below one names it too)."""
    try:
        return StorePath.from_absolute_path_prefix(text)[0]
    except NixCompatError as exc:
        raise StoreError(f"{text}: {exc}") from None


F = TypeVar("F", bound=Callable[..., Any])


def store_options(command: F) -> F:
    """The options that choose a command's services (shared with nar-bridge)."""
    for option in reversed(
        [
            click.option(
                "--blob-service-addr", envvar="BLOB_SERVICE_ADDR", help="blob service URL"
            ),
            click.option(
                "--directory-service-addr",
                envvar="DIRECTORY_SERVICE_ADDR",
                help="directory service URL",
            ),
            click.option(
                "--path-info-service-addr",
                envvar="PATH_INFO_SERVICE_ADDR",
                help="PathInfo service URL",
            ),
            click.option(
                "--store-config",
                type=click.Path(dir_okay=False, path_type=Path),
                help="composition file (TOML or JSON) describing the services",
            ),
        ]
    ):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@store_options
@click.pass_context
def cli(
    ctx: click.Context,
    blob_service_addr: str | None,
    directory_service_addr: str | None,
    path_info_service_addr: str | None,
    store_config: Path | None,
) -> None:
    """Tvix's Nix store: store paths over castore, NARs, binary caches."""
    ctx.obj = StoreAddresses(
        blob_service_addr, directory_service_addr, path_info_service_addr, store_config
    )


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--name", help="the store path's name (default: each PATH's base name)")
@click.pass_context
def import_(ctx: click.Context, paths: tuple[Path, ...], name: str | None) -> None:
    """Add trees to the store; prints each one's store path, as nix-store --add does."""
    from tvix_store.importing import import_path

    with _store(ctx) as store:
        for path in paths:
            info = import_path(path, store.blobs, store.directories, store.path_infos, name=name)
            click.echo(info.store_path.to_absolute_path())


def path_info_json(info: PathInfo, store_dir: str = DEFAULT_STORE_DIR) -> dict[str, Any]:
    """What ``nix path-info --json`` says of a path (without its registration time)."""
    return {
        "ca": None if info.ca is None else info.ca.render(),
        "deriver": None if info.deriver is None else info.deriver.to_absolute_path(store_dir),
        "narHash": info.nar_hash.to_sri(),
        "narSize": info.nar_size,
        "references": sorted(r.to_absolute_path(store_dir) for r in info.references),
        "signatures": [str(s) for s in info.signatures],
    }


@cli.command("path-info")
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="print what nix path-info --json prints")
@click.pass_context
def path_info(ctx: click.Context, paths: tuple[str, ...], as_json: bool) -> None:
    """Show what the store knows of store paths (an unknown one: null with --json)."""
    wanted = [_store_path(p) for p in paths]
    with _store(ctx) as store:
        found = {path: path_info_of(store.path_infos, path) for path in wanted}
    if as_json:
        document = {
            p.to_absolute_path(): None if i is None else path_info_json(i)
            for p, i in sorted(found.items(), key=lambda item: item[0].to_absolute_path())
        }
        click.echo(json.dumps(document, separators=(",", ":"), sort_keys=True))
        return
    for path, info in found.items():
        if info is None:
            raise StoreError(f"path '{path.to_absolute_path()}' is not valid")
    for path in sorted(found, key=lambda p: p.to_absolute_path()):
        click.echo(path.to_absolute_path())


@cli.command("nar")
@click.argument("path")
@click.pass_context
def nar(ctx: click.Context, path: str) -> None:
    """Write a store path's NAR to stdout (the bytes of nix-store --dump)."""
    from tvix_store.nar.renderer import render_nar

    store_path = _store_path(path)
    with _store(ctx) as store:
        info = path_info_of(store.path_infos, store_path)
        if info is None:
            raise StoreError(f"path '{store_path.to_absolute_path()}' is not valid")
        out = sys.stdout.buffer
        for piece in render_nar(info.node, store.blobs, store.directories):
            out.write(piece)
        out.flush()


def _cache_url(url: str, allowed: set[str]) -> tuple[str, dict[str, str]]:
    """A cache URL without its query, and the query's options (only ``allowed`` ones)."""
    from tvix_store.binary_cache.transport import split_options

    bare, options = split_options(url)
    unknown = set(options) - allowed
    if unknown:
        raise StoreError(f"{url}: unknown option '{sorted(unknown)[0]}'")
    return bare, options


@contextmanager
def _progress(verb: str) -> Iterator[Callable[[PathInfo], None] | None]:
    """A count of copied paths on stderr, when it is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        transient=True,
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task(f"{verb}…", total=None)
        count = 0

        def advance(info: PathInfo) -> None:
            nonlocal count
            count += 1
            bar.update(task, description=f"{verb} {count}: {info.store_path}")

        yield advance


@cli.command("copy")
@click.option("--from", "source", metavar="URL", help="copy from this binary cache")
@click.option("--to", "target", metavar="URL", help="copy to this binary cache")
@click.option("--no-check-sigs", is_flag=True, help="accept paths without a trusted signature")
@click.option(
    "--secret-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="sign the narinfo files written with this key (copy --to)",
)
@click.argument("paths", nargs=-1)
@click.pass_context
def copy(
    ctx: click.Context,
    source: str | None,
    target: str | None,
    no_check_sigs: bool,
    secret_key_file: Path | None,
    paths: tuple[str, ...],
) -> None:
    """Copy the closures of PATHS from a binary cache (--from) or to one (--to).

    URLs are http(s)://… or file:///…; --from takes ?trusted-public-keys=…, --to takes
    ?compression=none|xz|zstd|bzip2|br (default xz) and ?secret-key=FILE."""
    # Imported here: the HTTP client is not worth its start-up time to the other commands.
    from tvix_store.binary_cache.transport import transport_for
    from tvix_store.copy import copy_from_cache, copy_to_cache

    if (source is None) == (target is None):
        raise StoreError("give exactly one of --from URL and --to URL")
    if not paths:
        raise StoreError("no paths given to copy")
    wanted = [_store_path(p) for p in paths]
    with _store(ctx) as store:
        if source is not None:
            url, options = _cache_url(source, {"trusted-public-keys"})
            keys_text = options.get("trusted-public-keys")
            if no_check_sigs:
                keys = None
            else:
                from nix_compat.signing import VerifyingKey

                keys = [VerifyingKey.parse(k) for k in (keys_text or "").split()]
            with _progress("copying from the cache") as progress:
                copy_from_cache(
                    url,
                    wanted,
                    store.blobs,
                    store.directories,
                    store.path_infos,
                    public_keys=keys,
                    progress=progress,
                )
            return
        assert target is not None
        url, options = _cache_url(target, {"compression", "secret-key"})
        key_file = secret_key_file or (
            Path(options["secret-key"]) if options.get("secret-key") else None
        )
        key = None if key_file is None else read_signing_key(key_file)
        cache = transport_for(url)
        try:
            with _progress("copying to the cache") as progress:
                copy_to_cache(
                    cache,
                    wanted,
                    store.blobs,
                    store.directories,
                    store.path_infos,
                    compression=options.get("compression", "xz"),
                    key=key,
                    progress=progress,
                )
        finally:
            cache.close()


@cli.command("mount")
@click.argument("mountpoint", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.pass_context
def mount_(ctx: click.Context, mountpoint: Path) -> None:
    """Mount the store's paths read-only at MOUNTPOINT until unmounted (needs libfuse 3)."""
    from tvix_castore.mount import CastoreFs, fuse_available, mount

    from tvix_store.mount import StorePathRoots

    reason = fuse_available()
    if reason is not None:
        raise StoreError(f"cannot mount: {reason}")
    with _store(ctx) as store:
        roots = StorePathRoots(store.path_infos)
        mount(CastoreFs(store.blobs, store.directories, roots=roots), mountpoint)


@cli.command("daemon")
@click.option(
    "--listen-address",
    default="127.0.0.1:8000",
    show_default=True,
    help="host:port, or unix:///path/to/socket",
)
@click.pass_context
def daemon(ctx: click.Context, listen_address: str) -> None:
    """Serve castore and the PathInfo service over gRPC (tvix.castore.v1, tvix.store.v1)."""
    from tvix_castore.server import add_castore_services, make_server, start

    from tvix_store.nar.renderer import NarCalculator
    from tvix_store.pathinfoservice.grpc import add_store_services

    with _store(ctx) as store:
        server = make_server()
        add_castore_services(server, store.blobs, store.directories)
        add_store_services(server, store.path_infos, NarCalculator(store.blobs, store.directories))
        running = start(server, listen_address)
        click.echo(f"serving on {running.url}", err=True)
        running.serve_until_signalled()


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``tvix-store``."""
    run_command(cli, "tvix-store", argv)


def read_signing_key(path: Path) -> SigningKey:
    """A secret key file as ``nix-store --generate-binary-cache-key`` writes it."""
    from nix_compat.signing import SigningKey

    try:
        return SigningKey.parse(path.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: {getattr(exc, 'strerror', None) or exc}") from None


def run_command(command: click.Command, name: str, argv: list[str] | None) -> None:
    """Run a command, turning our errors into one ``error:`` line and exit status 1."""
    try:
        command.main(args=argv, prog_name=name, standalone_mode=False)
    except click.exceptions.Abort:
        _fail("interrupted")
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (StoreError, CastoreError, NixCompatError) as exc:
        _fail(str(exc))
    except BrokenPipeError:
        sys.exit(1)
