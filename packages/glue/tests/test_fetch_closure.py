"""builtins.fetchClosure against the reference: closures it put in a signed binary cache
(served over HTTP on loopback here), content-addressed and input-addressed, rewritten to
content-addressed form, and every way of asking wrongly. The reference has these paths in
its own store already; we fetch them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fetch_support import Server, ours, reference
from tvix_store.services import Store


@dataclass
class Cache:
    server: Server
    key: str
    text: str  # content-addressed (toFile), refers to tree
    tree: str  # content-addressed (nix-store --add)
    built: str  # input-addressed (built by the reference)
    rewritten: str  # built's content-addressed form, as the reference computes it


@pytest.fixture(scope="module")
def cache(oracle: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cache]:
    work = tmp_path_factory.mktemp("closure")
    (work / "tree").mkdir()
    (work / "tree" / "file").write_text("in a tree\n")
    tree = oracle.out("nix-store", "--add", work / "tree").strip()
    text = (
        oracle.out(
            "nix-instantiate",
            "--eval",
            "--read-write-mode",
            "-E",
            f'builtins.toFile "fetch-closure-text" "refers to ${{builtins.storePath {tree}}}"',
        )
        .strip()
        .strip('"')
    )
    (work / "built.nix").write_text(
        'derivation { name = "fetch-closure-built"; builder = "/bin/sh"; '
        'args = [ "-c" "echo built > $out" ]; system = builtins.currentSystem; }'
    )
    built = oracle.out("nix-build", "--no-out-link", work / "built.nix").strip()
    keys = tmp_path_factory.mktemp("keys")
    oracle.run("nix-store", "--generate-binary-cache-key", "closure-1", keys / "sk", keys / "pk")
    folder = tmp_path_factory.mktemp("cache")
    oracle.run(
        "nix",
        "--extra-experimental-features",
        "nix-command",
        "copy",
        "--to",
        f"file://{folder}?secret-key={keys / 'sk'}",
        text,
        built,
    )
    rewritten = oracle.out(
        "nix",
        "--extra-experimental-features",
        "nix-command",
        "store",
        "make-content-addressed",
        "--json",
        built,
    )
    import json

    server = Server(folder)
    yield Cache(
        server,
        (keys / "pk").read_text().strip(),
        text,
        tree,
        built,
        json.loads(rewritten)["rewrites"][built],
    )
    server.stop()


EXPRESSIONS = [
    "builtins.fetchClosure {{ fromStore = {url}; fromPath = {text}; }}",
    "builtins.getContext (builtins.fetchClosure {{ fromStore = {url}; fromPath = {text}; }})",
    "builtins.readFile (builtins.fetchClosure {{ fromStore = {url}; fromPath = {text}; }})",
    'builtins.readFile "${{builtins.fetchClosure {{ fromStore = {url}; fromPath = {tree}; }}}}'
    '/file"',
    "builtins.fetchClosure {{ fromStore = {url}; fromPath = {built}; inputAddressed = true; }}",
    "builtins.fetchClosure {{ fromStore = {url}; fromPath = {built}; }}",
    "builtins.fetchClosure {{ fromStore = {url}; fromPath = {text}; inputAddressed = true; }}",
    'builtins.fetchClosure {{ fromStore = {url}; fromPath = {built}; toPath = ""; }}',
    "builtins.fetchClosure {{ fromStore = {url}; fromPath = {text}; toPath = {text}; }}",
    "builtins.fetchClosure {{ fromStore = {url}; fromPath = {built}; toPath = {text}; "
    "inputAddressed = true; }}",
    "builtins.fetchClosure {{ fromStore = {url}; "
    "fromPath = /nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-missing; }}",
    "builtins.fetchClosure {{ fromStore = {url}; }}",
    "builtins.fetchClosure {{ fromPath = {text}; }}",
    "builtins.fetchClosure {{ fromStore = {url}; fromPath = {text}; colour = 1; }}",
    'builtins.fetchClosure {{ fromStore = "file:///nowhere"; fromPath = {text}; }}',
    "builtins.fetchClosure {{ fromStore = {url}; fromPath = /tmp; }}",
]


@pytest.mark.parametrize("template", EXPRESSIONS)
def test_fetch_closure_answers_as_the_reference(
    oracle: Any, cache: Cache, store: Store, capfd: pytest.CaptureFixture[str], template: str
) -> None:
    expr = template.format(
        url=f'"{cache.server.url}"',
        text=cache.text,
        tree=cache.tree,
        built=cache.built,
        rewritten=cache.rewritten,
    )
    answer = ours(store, expr, capfd, trusted_public_keys=(cache.key,))
    assert answer == reference(oracle, expr)


def test_an_input_addressed_path_is_rewritten_to_the_path_the_reference_computes(
    cache: Cache, store: Store, capfd: pytest.CaptureFixture[str]
) -> None:
    expr = (
        f'builtins.fetchClosure {{ fromStore = "{cache.server.url}"; fromPath = {cache.built};'
        f" toPath = {cache.rewritten}; }}"
    )
    # (The reference has the rewritten path already, so it rewrites nothing and says nothing.)
    said = f"rewriting '{cache.built}' to '{cache.rewritten}'\n"
    assert ours(store, expr, capfd) == (0, f'"{cache.rewritten}"\n', said)
    assert ours(store, f"builtins.readFile {cache.rewritten}", capfd) == (0, '"built\\n"\n', "")


def test_an_input_addressed_path_needs_a_trusted_signature(
    cache: Cache, store: Store, capfd: pytest.CaptureFixture[str]
) -> None:
    expr = (
        f'builtins.fetchClosure {{ fromStore = "{cache.server.url}"; fromPath = {cache.built};'
        " inputAddressed = true; }"
    )
    status, _, err = ours(store, expr, capfd)
    assert status == 1
    assert f"{cache.built}: has no valid signature by a trusted key" in err
    assert store.path_infos.get(bytes(20)) is None
