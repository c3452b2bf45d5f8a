"""The ``nar-bridge`` command: serve the store as a Nix binary cache over HTTP.

Services are chosen as for ``tvix-store`` (the same options, environment variables and
embedded default store). Point Nix at it with ``substituters = http://HOST:PORT`` (and its
public key in ``trusted-public-keys`` when ``--secret-key-file`` signs), and upload to it with
``nix copy --to http://HOST:PORT``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path
from urllib.parse import urlsplit

try:
    import click
    from aiohttp import web
except ModuleNotFoundError:  # a library install, without the command's extra
    sys.exit("error: the nar-bridge command needs: pip install 'tvix-store[nar-bridge,cli]'")

from tvix_store.cli import read_signing_key, run_command, store_options
from tvix_store.errors import StoreError
from tvix_store.nar_bridge.app import NarBridge, make_app
from tvix_store.services import StoreAddresses

__all__ = ["main"]


def parse_listen_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` too), the port from 0 (any free one) to 65535."""
    try:
        parts = urlsplit(f"//{text}")
        port = parts.port
    except ValueError:
        raise StoreError(f"{text}: the port must be a number from 0 to 65535") from None
    if port is None or not parts.hostname or not text.rsplit(":", 1)[1].isdigit():
        raise StoreError(f"{text}: expected HOST:PORT")
    return parts.hostname, port


async def _serve(bridge: NarBridge, host: str, port: int) -> None:
    runner = web.AppRunner(make_app(bridge), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_address=True)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise StoreError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    bound = runner.addresses[0]
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    click.echo(f"serving on http://{shown}:{bound[1]}", err=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@store_options
@click.option(
    "--listen-address", default="127.0.0.1:9000", show_default=True, help="HOST:PORT to serve on"
)
@click.option(
    "--secret-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="sign the narinfos served with this key (nix-store --generate-binary-cache-key)",
)
@click.option("--priority", type=int, default=40, show_default=True, help="nix-cache-info Priority")
def cli(
    blob_service_addr: str | None,
    directory_service_addr: str | None,
    path_info_service_addr: str | None,
    store_config: Path | None,
    listen_address: str,
    secret_key_file: Path | None,
    priority: int,
) -> None:
    """Serve the store as a Nix binary cache, for reading and writing."""
    host, port = parse_listen_address(listen_address)
    key = None if secret_key_file is None else read_signing_key(secret_key_file)
    logging.basicConfig(level=logging.WARNING, format="nar-bridge: %(message)s")
    store = StoreAddresses(
        blob_service_addr, directory_service_addr, path_info_service_addr, store_config
    ).open()
    try:
        bridge = NarBridge(store, key=key, priority=priority)
        asyncio.run(_serve(bridge, host, port))
    finally:
        store.close()


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``nar-bridge``."""
    run_command(cli, "nar-bridge", argv)
