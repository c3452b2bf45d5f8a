"""``tvix-build``: the build service as a server (``tvix-build daemon``), so that builds run on
another machine than evaluation: clients name it ``grpc+unix://…`` or ``grpc+http://…``. The
daemon builds with a local build service (``--build-service-addr``, ``bwrap://`` by default)
over the castore services it is given, which its clients must share (inputs are read from
them, outputs written to them)."""

from __future__ import annotations

import sys

import click
from tvix_castore.errors import CastoreError

from tvix_build.errors import BuildError

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Tvix's build service."""


@cli.command("daemon")
@click.option(
    "--listen-address",
    default="127.0.0.1:8000",
    show_default=True,
    help="host:port, or unix:///path/to/socket",
)
@click.option("--blob-service-addr", envvar="BLOB_SERVICE_ADDR", help="blob service URL")
@click.option(
    "--directory-service-addr", envvar="DIRECTORY_SERVICE_ADDR", help="directory service URL"
)
@click.option(
    "--build-service-addr",
    default="bwrap://",
    show_default=True,
    help="the build service that runs the builds (bwrap://, dummy://)",
)
def daemon(
    listen_address: str,
    blob_service_addr: str | None,
    directory_service_addr: str | None,
    build_service_addr: str,
) -> None:
    """Serve tvix.build.v1.BuildService over gRPC."""
    from tvix_castore.composition import blob_service_from_url, directory_service_from_url
    from tvix_castore.embedded import default_store_url
    from tvix_castore.server import make_server, start

    from tvix_build.buildservice.grpc import add_build_service
    from tvix_build.buildservice.registration import build_service_from_url

    blobs = blob_service_from_url(blob_service_addr or default_store_url("blobservices"))
    directories = directory_service_from_url(
        directory_service_addr or default_store_url("directoryservices")
    )
    service = build_service_from_url(build_service_addr, blobs, directories)
    server = make_server()
    add_build_service(server, service)
    running = start(server, listen_address)
    click.echo(f"serving on {running.url}", err=True)
    try:
        running.serve_until_signalled()
    finally:
        service.close()
        blobs.close()
        directories.close()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command, turning our errors into one ``error:`` line."""
    try:
        cli.main(args=argv, prog_name="tvix-build", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("error: interrupted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (BuildError, CastoreError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
