"""Trees the store's tests import, render and compare with the reference."""

from __future__ import annotations

import http.server
import importlib
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
support = importlib.import_module("store_support")
make_tree = support.make_tree
ServedCache = support.ServedCache
ReferenceCache = support.ReferenceCache


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "tree")


@pytest.fixture
def serve_cache() -> Iterator[Callable[[Path, str], support.ServedCache]]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(root: Path, prefix: str = "") -> ServedCache:
        handler = type("Handler", (support.CacheHandler,), {"root": root, "prefix": prefix})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return ServedCache(root, f"http://127.0.0.1:{server.server_address[1]}{prefix}")

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def reference_closure(oracle, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, Path]:  # type: ignore[no-untyped-def]
    """Two paths in the reference's store: a tree, and a text file that refers to it."""
    work = tmp_path_factory.mktemp("closure")
    source = make_tree(work / "leaf-tree")
    expression = f'builtins.toFile "top" "refers to ${{{source}}}"'
    top = oracle.out("nix-instantiate", "--eval", "--read-write-mode", "-E", expression).strip('"')
    leaf = oracle.out("nix-store", "--add", source)
    return top, leaf, source


@pytest.fixture(scope="session")
def reference_cache(
    oracle, reference_closure, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], ReferenceCache]:  # type: ignore[no-untyped-def]
    """The reference's signed cache of the closure, made once for each compression."""
    top, leaf, source = reference_closure
    keys = tmp_path_factory.mktemp("keys")
    oracle.run("nix-store", "--generate-binary-cache-key", "ref-cache-1", keys / "sk", keys / "pk")
    oracle.run(
        "nix-store", "--generate-binary-cache-key", "ref-cache-1", keys / "sk2", keys / "pk2"
    )
    made: dict[str, ReferenceCache] = {}

    def make(compression: str) -> ReferenceCache:
        if compression not in made:
            folder = tmp_path_factory.mktemp(f"cache-{compression}")
            url = f"file://{folder}?secret-key={keys / 'sk'}&compression={compression}"
            oracle.run(
                "nix", "--extra-experimental-features", "nix-command", "copy", "--to", url, top
            )
            made[compression] = ReferenceCache(
                folder,
                top,
                leaf,
                (keys / "pk").read_text().strip(),
                (keys / "pk2").read_text().strip(),
                source,
            )
        return made[compression]

    return make


@pytest.fixture
def nar_bridge(tmp_path: Path) -> Iterator[Callable[..., support.NarBridgeProcess]]:
    """Starts nar-bridge processes over the embedded store in the test's folder; at the end
    stops them and checks none printed a traceback."""
    started: list[support.NarBridgeProcess] = []

    def start(*args: str, data_home: Path | None = None) -> support.NarBridgeProcess:
        bridge = support.NarBridgeProcess(data_home or tmp_path / "bridge-store", *args)
        started.append(bridge)
        return bridge

    yield start
    for bridge in started:
        err = bridge.stop()
        assert b"Traceback" not in err, err.decode(errors="replace")
