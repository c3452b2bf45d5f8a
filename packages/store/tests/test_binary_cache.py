"""Binary caches the reference wrote, read by our nix+http service and `tvix-store copy
--from`; caches we write, read by the reference. Trust, tampering and transport rules."""

from __future__ import annotations

import importlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from nix_compat import nixbase32
from nix_compat.signing import VerifyingKey
from nix_compat.store_path import StorePath
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.composition import Composition
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_store.errors import PathInfoServiceError
from tvix_store.nar import render_nar
from tvix_store.pathinfoservice.nix_http import NixHttpPathInfoService
from tvix_store.pathinfoservice.registration import path_info_service

support = importlib.import_module("store_support")
run = support.run
ReferenceCache = support.ReferenceCache
ServedCache = support.ServedCache

COMPRESSIONS = ["none", "xz", "zstd", "bzip2", "br"]


def _digest(path: str) -> bytes:
    return StorePath.from_absolute_path(path).digest


def _reference_path_info(oracle, path: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    out = oracle.out("nix", "path-info", "--option", "substituters", "", "--json", path)
    return json.loads(out)[path]  # type: ignore[no-any-return]


def _drop_lines(folder: Path, field: str, narinfos: str = "*.narinfo") -> None:
    """Remove the ``field`` lines of the narinfos in ``folder`` that match ``narinfos``."""
    for narinfo in folder.glob(narinfos):
        lines = narinfo.read_text().splitlines(True)
        narinfo.write_text("".join(line for line in lines if not line.startswith(field)))


def _service(cache: ReferenceCache, url: str, keys: list[str] | None) -> NixHttpPathInfoService:
    return NixHttpPathInfoService(
        url,
        MemoryBlobService(),
        MemoryDirectoryService(),
        public_keys=None if keys is None else [VerifyingKey.parse(k) for k in keys],
    )


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_nix_http_reads_what_the_reference_wrote(
    oracle,  # type: ignore[no-untyped-def]
    reference_cache: Callable[[str], ReferenceCache],
    serve_cache: Callable[[Path, str], ServedCache],
    compression: str,
) -> None:
    cache = reference_cache(compression)
    served = serve_cache(cache.folder, "")
    service = _service(cache, served.url, [cache.public_key])
    for path in (cache.top, cache.leaf):
        info = service.get(_digest(path))
        assert info is not None and info.store_path.to_absolute_path() == path
        reference = _reference_path_info(oracle, path)
        assert info.nar_hash.to_sri() == reference["narHash"]
        assert info.nar_size == reference["narSize"]
        assert sorted(r.to_absolute_path() for r in info.references) == reference["references"]
        assert info.ca is not None and info.ca.render() == reference["ca"]
        nar = b"".join(render_nar(info.node, service._blobs, service._directories))
        assert nar == oracle.run("nix-store", "--dump", path).stdout
    assert service.get(bytes(20)) is None  # 403 is "not there"


def test_a_sub_path_prefix_is_kept(
    reference_cache: Callable[[str], ReferenceCache],
    serve_cache: Callable[[Path, str], ServedCache],
) -> None:
    cache = reference_cache("xz")
    served = serve_cache(cache.folder, "/some/prefix")
    composition = Composition(
        {
            "blobservices": {"root": {"type": "memory"}},
            "directoryservices": {"root": {"type": "memory"}},
            "pathinfoservices": {
                "root": {
                    "type": "url",
                    "url": f"nix+{served.url}?trusted-public-keys={cache.public_key}",
                }
            },
        }
    )
    assert path_info_service(composition).get(_digest(cache.top)) is not None


@pytest.mark.parametrize(
    ("keys", "accepted"),
    [(None, True), ("right", True), ("other", False), ("none", False)],
)
def test_trust(
    reference_cache: Callable[[str], ReferenceCache],
    serve_cache: Callable[[Path, str], ServedCache],
    tmp_path: Path,
    keys: str | None,
    accepted: bool,
) -> None:
    """No key list trusts everything; a list (even empty) needs a signature by one of its keys
    (or a content address that gives the path: so the narinfo's CA is removed here)."""
    cache = reference_cache("none")
    folder = tmp_path / "cache"
    shutil.copytree(cache.folder, folder)
    _drop_lines(folder, "CA:", f"{StorePath.from_absolute_path(cache.top).hash_part}.narinfo")
    served = serve_cache(folder, "")
    chosen = {None: None, "right": [cache.public_key], "other": [cache.other_key], "none": []}
    service = _service(cache, served.url, chosen[keys])
    if accepted:
        assert service.get(_digest(cache.top)) is not None
    else:
        with pytest.raises(PathInfoServiceError, match="no valid signature by a trusted key"):
            service.get(_digest(cache.top))


def test_an_unsigned_content_addressed_path_vouches_for_itself(
    reference_cache: Callable[[str], ReferenceCache],
    serve_cache: Callable[[Path, str], ServedCache],
    tmp_path: Path,
) -> None:
    cache = reference_cache("none")
    folder = tmp_path / "cache"
    shutil.copytree(cache.folder, folder)
    _drop_lines(folder, "Sig:")
    service = _service(cache, serve_cache(folder, "").url, [cache.public_key])
    assert service.get(_digest(cache.top)) is not None
    assert service.get(_digest(cache.leaf)) is not None


def test_a_missing_compression_line_means_bzip2(
    reference_cache: Callable[[str], ReferenceCache],
    serve_cache: Callable[[Path, str], ServedCache],
    tmp_path: Path,
) -> None:
    cache = reference_cache("bzip2")
    folder = tmp_path / "cache"
    shutil.copytree(cache.folder, folder)
    _drop_lines(folder, "Compression:")
    service = _service(cache, serve_cache(folder, "").url, [cache.public_key])
    assert service.get(_digest(cache.leaf)) is not None


def test_a_narinfo_for_another_path_is_refused(
    reference_cache: Callable[[str], ReferenceCache],
    serve_cache: Callable[[Path, str], ServedCache],
    tmp_path: Path,
) -> None:
    cache = reference_cache("none")
    folder = tmp_path / "cache"
    shutil.copytree(cache.folder, folder)
    top = StorePath.from_absolute_path(cache.top)
    impostor = nixbase32.encode(bytes(20))
    shutil.copy(folder / f"{top.hash_part}.narinfo", folder / f"{impostor}.narinfo")
    service = _service(cache, serve_cache(folder, "").url, None)
    with pytest.raises(PathInfoServiceError, match="narinfo of another path"):
        service.get(bytes(20))


def test_a_tampered_nar_is_refused_and_leaves_the_path_invalid(
    reference_cache: Callable[[str], ReferenceCache],
    serve_cache: Callable[[Path, str], ServedCache],
    tmp_path: Path,
) -> None:
    cache = reference_cache("none")
    folder = tmp_path / "cache"
    shutil.copytree(cache.folder, folder)
    leaf = StorePath.from_absolute_path(cache.leaf)
    narinfo = (folder / f"{leaf.hash_part}.narinfo").read_text()
    nar_file = folder / next(line for line in narinfo.splitlines() if line.startswith("URL: "))[5:]
    original = nar_file.read_bytes()
    tampered = bytearray(original)
    tampered[len(tampered) // 2] ^= 1
    nar_file.write_bytes(bytes(tampered))
    served = serve_cache(folder, "")
    url = f"{served.url}?trusted-public-keys={cache.public_key}"
    result = run(tmp_path, "copy", "--from", url, cache.top, check=False)
    assert result.returncode == 1
    assert b"not the expected sha256-" in result.stderr
    for path in (cache.top, cache.leaf):
        assert run(tmp_path, "path-info", path, check=False).returncode == 1
    nar_file.write_bytes(original)  # a later good copy succeeds
    run(tmp_path, "copy", "--from", url, cache.top)
    assert run(tmp_path, "path-info", cache.top).returncode == 0


@pytest.mark.parametrize("compression", ["xz", "zstd"])
def test_copy_from_a_served_cache_then_nar_is_the_references(
    oracle,  # type: ignore[no-untyped-def]
    reference_cache: Callable[[str], ReferenceCache],
    serve_cache: Callable[[Path, str], ServedCache],
    tmp_path: Path,
    compression: str,
) -> None:
    cache = reference_cache(compression)
    url = f"{serve_cache(cache.folder, '').url}?trusted-public-keys={cache.public_key}"
    run(tmp_path, "copy", "--from", url, cache.top)
    ours = json.loads(run(tmp_path, "path-info", "--json", cache.top, cache.leaf).stdout)
    for path in (cache.top, cache.leaf):
        reference = _reference_path_info(oracle, path)
        for field in ("ca", "deriver", "narHash", "narSize", "references"):
            assert ours[path][field] == reference[field], field
        assert run(tmp_path, "nar", path).stdout == oracle.run("nix-store", "--dump", path).stdout


def test_copy_from_without_trusted_keys_needs_no_check_sigs(
    reference_cache: Callable[[str], ReferenceCache], tmp_path: Path
) -> None:
    cache = reference_cache("xz")
    # The narinfos' CA lines would vouch for the paths: drop them to test signatures alone.
    folder = tmp_path / "cache"
    shutil.copytree(cache.folder, folder)
    _drop_lines(folder, "CA:")
    refused = run(tmp_path, "copy", "--from", f"file://{folder}", cache.top, check=False)
    assert refused.returncode == 1 and b"no valid signature" in refused.stderr
    run(tmp_path, "copy", "--no-check-sigs", "--from", f"file://{folder}", cache.top)


@pytest.mark.parametrize("compression", ["none", "xz", "zstd", "bzip2"])
def test_the_reference_reads_the_cache_we_write(
    oracle,  # type: ignore[no-untyped-def]
    reference_closure: tuple[str, str, Path],
    tmp_path: Path,
    compression: str,
) -> None:
    top, _leaf, _source = reference_closure
    keys = tmp_path / "keys"
    keys.mkdir()
    oracle.run("nix-store", "--generate-binary-cache-key", "ours-1", keys / "sk", keys / "pk")
    # Our store gets the closure from a cache the reference wrote, unsigned and unchecked.
    seed = tmp_path / "seed"
    oracle.run(
        "nix", "--extra-experimental-features", "nix-command", "copy", "--to", f"file://{seed}", top
    )
    run(tmp_path, "copy", "--no-check-sigs", "--from", f"file://{seed}", top)
    ours = tmp_path / "ours"
    run(
        tmp_path,
        "copy",
        "--to",
        f"file://{ours}?compression={compression}",
        "--secret-key-file",
        keys / "sk",
        top,
    )
    store = tmp_path / "refstore"
    oracle.run(
        "nix",
        "--extra-experimental-features",
        "nix-command",
        "copy",
        "--from",
        f"file://{ours}",
        "--store",
        store,
        "--option",
        "trusted-public-keys",
        (keys / "pk").read_text().strip(),
        top,
        env={"XDG_CACHE_HOME": str(tmp_path / "xdg-cache"), "PATH": "/usr/bin:/bin"},
    )
    oracle.run(
        "nix",
        "--extra-experimental-features",
        "nix-command",
        "--store",
        store,
        "store",
        "verify",
        "-r",
        top,
    )
    copied = json.loads(
        oracle.out(
            "nix",
            "--extra-experimental-features",
            "nix-command",
            "--store",
            store,
            "path-info",
            "--json",
            top,
        )
    )
    assert copied[top]["narHash"] == _reference_path_info(oracle, top)["narHash"]
    assert copied[top]["signatures"]  # checked by the reference against our key
