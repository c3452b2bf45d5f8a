"""Evaluating a fetcher expression with us and with the reference, for comparing the two:
each answer as (exit status, standard output, standard error)."""

from __future__ import annotations

import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tvix_eval.builtins.control import deep_force
from tvix_eval.errors import EvalError
from tvix_eval.printer import print_value
from tvix_eval.syntax.source import Source
from tvix_glue import store_evaluator
from tvix_store.services import Store

__all__ = ["FEATURES", "Server", "ours", "reference"]


class Server:
    """A folder served over HTTP on loopback, counting the requests it answers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self) -> None:
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


#: The experimental features both evaluators run with (fetchTree's).
FEATURES = ("flakes", "fetch-closure")


def ours(
    store: Store,
    expr: str,
    capfd: pytest.CaptureFixture[str],
    *,
    pure_eval: bool = False,
    read_write: bool = False,
    trusted_public_keys: tuple[str, ...] = (),
    tarball_ttl: int = 3600,
) -> tuple[int, str, str]:
    """Our answer, from an evaluator on ``store``."""
    capfd.readouterr()
    evaluator = store_evaluator(
        store,
        read_write=read_write,
        experimental_features={"fetch-tree", *FEATURES},
        pure_eval=pure_eval,
        trusted_public_keys=trusted_public_keys,
        tarball_ttl=tarball_ttl,
    )
    try:
        text = evaluator.evaluate(
            Source("«string»", expr), then=lambda v: print_value(deep_force(v), strict=True)
        )
        status, out, err = 0, text + "\n", ""
    except EvalError as error:
        status, out, err = error.exit_status, "", error.render(False) + "\n"
    logged = capfd.readouterr().err
    return status, out, logged + err


def reference(oracle: Any, expr: str, *flags: str) -> tuple[int, str, str]:
    """The reference's answer (with more command-line ``flags``)."""
    features = ("--option", "experimental-features", " ".join(FEATURES))
    result = oracle.run(
        "nix-instantiate", *features, *flags, "--eval", "--strict", "-E", expr, check=False
    )
    # The reference tells when it fills its own tarball cache: not a part of the answer.
    err = "".join(
        line
        for line in result.stderr.decode().splitlines(keepends=True)
        if not line.startswith("unpacking '")
    )
    return result.returncode, result.stdout.decode(), err
