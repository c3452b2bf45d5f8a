"""Binary caches written by the reference C++ Nix, shared by the narinfo and signing tests.

The store paths cover what a narinfo can say: an input-addressed build output with a deriver,
references and a reference to itself; ``builtins.toFile`` text paths, one referring to the
other; flat and recursive fixed-output paths (sha256 and sha512); a tree added by
``nix-store --add``. They are copied with ``nix copy`` into one cache per compression, the xz
one signed by a key the reference generated.

Test modules load this file by path (tests folders are not packages) and share one build per
session through :func:`build`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_NAME = "nix-compat-test-1"
XP = ("--extra-experimental-features", "nix-command")
COMPRESSIONS = ("none", "xz", "zstd", "bzip2")
#: The cache the reference signed while copying.
SIGNED = "xz"

# A build output that refers to two text paths and to itself, so that the References line and
# the fingerprint have several entries to sort.
BUILD_EXPR = """
let
  a = builtins.toFile "nc-narinfo-a.txt" "first";
  b = builtins.toFile "nc-narinfo-b.txt" "second refers to ${a}";
in derivation {
  name = "nc-narinfo-built";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "echo ${b} ${a} > $out; echo $out >> $out" ];
}
"""


@dataclass(frozen=True)
class ReferenceCache:
    root: Path
    secret_key_file: Path
    public_key_file: Path
    #: role -> absolute store path
    paths: dict[str, str]
    #: compression -> cache folder
    caches: dict[str, Path]

    @property
    def secret_key(self) -> str:
        return self.secret_key_file.read_text()

    @property
    def public_key(self) -> str:
        return self.public_key_file.read_text()

    def url(self, compression: str) -> str:
        return f"file://{self.caches[compression]}"

    def narinfo_file(self, compression: str, path: str) -> Path:
        return self.caches[compression] / f"{hash_part(path)}.narinfo"

    def narinfo_files(self) -> list[Path]:
        return sorted(p for c in self.caches.values() for p in c.glob("*.narinfo"))


def hash_part(path: str) -> str:
    return os.path.basename(path)[:32]


def make_inputs(root: Path) -> tuple[Path, Path]:
    """A binary blob and a tree with a subfolder, an executable and a symlink."""
    blob = root / "blob"
    blob.write_bytes(bytes(range(256)) * 3)
    tree = root / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "file").write_text("in a tree\n")
    script = tree / "run.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    (tree / "sub" / "link").symlink_to("file")
    return blob, tree


def build(oracle: Any, root: Path) -> ReferenceCache:
    """Make the store paths in the reference's store and copy them into fresh caches."""
    sk, pk = root / "secret-key", root / "public-key"
    oracle.run("nix-store", "--generate-binary-cache-key", KEY_NAME, sk, pk)
    blob, tree = make_inputs(root)
    expr = root / "build.nix"
    expr.write_text(BUILD_EXPR)
    built = oracle.out("nix-build", expr, "--no-out-link", "--option", "substituters", "")
    refs = oracle.out("nix-store", "--query", "--references", built).split()
    paths = {
        "built": built,
        "text-a": next(r for r in refs if r.endswith("-nc-narinfo-a.txt")),
        "text-b": next(r for r in refs if r.endswith("-nc-narinfo-b.txt")),
        "flat": oracle.out("nix-store", "--add-fixed", "sha256", blob),
        "nar-sha512": oracle.out("nix-store", "--add-fixed", "--recursive", "sha512", blob),
        "tree": oracle.out("nix-store", "--add", tree),
    }
    caches = {}
    for compression in COMPRESSIONS:
        folder = root / f"cache-{compression}"
        url = f"file://{folder}?compression={compression}"
        if compression == SIGNED:
            url += f"&secret-key={sk}"
        oracle.run("nix", *XP, "copy", "--to", url, *paths.values())
        caches[compression] = folder
    return ReferenceCache(root, sk, pk, paths, caches)


def path_info(oracle: Any, store_url: str, paths: list[str]) -> dict[str, Any]:
    """What the reference reads from a cache: ``nix path-info --json``, keyed by path."""
    out = oracle.out("nix", *XP, "path-info", "--json", "--store", store_url, *paths)
    result: dict[str, Any] = json.loads(out)
    return result


def make_cache(folder: Path) -> Path:
    """An empty binary cache folder the reference can read narinfo files from."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nix-cache-info").write_text("StoreDir: /nix/store\n")
    return folder


_BUILT: dict[str, ReferenceCache] = {}


def shared(oracle: Any, tmp_path_factory: Any) -> ReferenceCache:
    """One reference cache per test session, whichever test module asks first."""
    if "cache" not in _BUILT:
        _BUILT["cache"] = build(oracle, tmp_path_factory.mktemp("reference-cache"))
    return _BUILT["cache"]
