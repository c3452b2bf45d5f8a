"""Services from URLs and from TOML/JSON descriptions, the caches, and S3 for real (moto)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tvix_castore.blobs.combinator import CachedBlobService
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.blobs.objectstore import (
    CHUNK_CONTENT_TYPE,
    LISTING_CONTENT_TYPE,
    ObjectStoreBlobService,
    content_type,
    object_key,
)
from tvix_castore.blobs.service import BlobService
from tvix_castore.composition import (
    Composition,
    blob_service_from_url,
    directory_service_from_url,
)
from tvix_castore.digest import B3Digest
from tvix_castore.directories.combinator import CachedDirectoryService
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.directories.service import DirectoryService
from tvix_castore.directories.sqlite import SqliteDirectoryService
from tvix_castore.errors import CompositionError
from tvix_castore.server import serve
from tvix_castore.testing import BlobServiceTests, DirectoryServiceTests, sample_closure

_prefixes = itertools.count()


class WithS3:
    make_url: Callable[[str], str]

    @pytest.fixture(autouse=True)
    def _endpoint(self, s3_url: Callable[[str], str]) -> None:
        self.make_url = s3_url

    def url(self) -> str:
        return self.make_url(f"t{next(_prefixes)}")


class TestS3Blobs(WithS3, BlobServiceTests):
    LARGE = 1024 * 1024

    def make_service(self) -> BlobService:
        return blob_service_from_url(self.url() + "&avg_chunk_size=65536")


class TestS3Directories(WithS3, DirectoryServiceTests):
    SUBTREE_LOOKUP = False

    def make_service(self) -> DirectoryService:
        return directory_service_from_url(self.url())


def test_s3_objects_carry_a_content_type(s3_url: Callable[[str], str]) -> None:
    service = blob_service_from_url(s3_url("ct") + "&avg_chunk_size=1024")
    assert isinstance(service, ObjectStoreBlobService)
    with service.open_write() as writer:
        writer.write(bytes(range(256)) * 64)
    digest = writer.close()
    stat = service.stat(digest)
    assert stat is not None and len(stat.chunks) > 1
    assert content_type(service, object_key("blobs", digest)) == LISTING_CONTENT_TYPE
    assert content_type(service, object_key("chunks", stat.chunks[0].digest)) == (
        CHUNK_CONTENT_TYPE
    )


def test_local_objects_carry_a_content_type_in_xattrs(tmp_path: Path) -> None:
    service = blob_service_from_url(f"objectstore+file://{tmp_path}/b?avg_chunk_size=1024")
    assert isinstance(service, ObjectStoreBlobService)
    with service.open_write() as writer:
        writer.write(b"hello")
    small = writer.close()
    # A one-chunk blob is just its chunk.
    assert content_type(service, object_key("chunks", small)) == CHUNK_CONTENT_TYPE
    assert not (tmp_path / "b" / object_key("blobs", small)).exists()
    with service.open_write() as writer:
        writer.write(bytes(range(256)) * 64)
    key = object_key("blobs", writer.close())
    assert (tmp_path / "b" / key).is_file()
    assert content_type(service, key) == LISTING_CONTENT_TYPE


class TestBlobCacheConformance(BlobServiceTests):
    def make_service(self) -> BlobService:
        return CachedBlobService(MemoryBlobService(), ObjectStoreBlobService.memory())


class TestDirectoryCacheConformance(DirectoryServiceTests):
    def make_service(self) -> DirectoryService:
        return CachedDirectoryService(MemoryDirectoryService(), SqliteDirectoryService(":memory:"))


def test_blob_cache_fills_near_on_read() -> None:
    near, far = MemoryBlobService(), MemoryBlobService()
    cache = CachedBlobService(near, far)
    with cache.open_write() as writer:
        writer.write(b"far away")
    digest = writer.close()
    assert far.has(digest) and not near.has(digest)
    assert cache.open_read(digest).read() == b"far away"
    assert near.has(digest)


def test_directory_cache_fills_near_with_whole_closures() -> None:
    near, far = MemoryDirectoryService(), MemoryDirectoryService()
    cache = CachedDirectoryService(near, far)
    leaf, mid, root = sample_closure()
    with cache.put_closure() as putter:
        for d in (leaf, mid, root):
            putter.put(d)
    assert near.get(root.digest) is None
    assert [d.digest for d in cache.get_recursive(root.digest)] == [
        root.digest,
        leaf.digest,
        mid.digest,
    ]
    assert near.get(mid.digest) == mid and near.get(leaf.digest) == leaf


TOML = """
[blobservices.root]
type = "cache"
near = "near"
far = "remote"

[blobservices.near]
type = "memory"

[blobservices.remote]
type = "grpc"
url = "{url}"

[directoryservices.root]
type = "cache"
near = "near"
far = "remote"

[directoryservices.near]
type = "sqlite"
path = "{tmp}/near.sqlite"

[directoryservices.remote]
type = "url"
url = "{url}"
"""


def test_toml_graph_with_a_cache_in_front_of_grpc(tmp_path: Path) -> None:
    far_blobs, far_dirs = MemoryBlobService(), MemoryDirectoryService()
    running = serve(far_blobs, far_dirs, f"unix:{tmp_path / 's.sock'}")
    try:
        path = tmp_path / "castore.toml"
        path.write_text(TOML.format(url=running.url, tmp=tmp_path))
        composition = Composition.from_file(path)
        blobs = composition.blob_service()
        dirs = composition.directory_service()
        assert isinstance(blobs, CachedBlobService) and isinstance(dirs, CachedDirectoryService)
        with blobs.open_write() as writer:
            writer.write(b"through the wire")
        digest = writer.close()
        assert far_blobs.has(digest)
        assert blobs.open_read(digest).read() == b"through the wire"
        leaf, mid, root = sample_closure()
        with dirs.put_closure() as putter:
            for d in (leaf, mid, root):
                putter.put(d)
        assert far_dirs.get(root.digest) == root
        assert len(list(dirs.get_recursive(root.digest))) == 3
        blobs.close()
        dirs.close()
    finally:
        running.stop(0)


def test_json_description_works_too(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps(
            {
                "blobservices": {
                    "root": {
                        "type": "objectstore",
                        "object_store_url": f"file://{tmp_path}/b",
                        "avg_chunk_size": 4096,
                    }
                },
                "directoryservices": {"root": {"type": "sqlite", "path": f"{tmp_path}/d.db"}},
            }
        )
    )
    composition = Composition.from_file(path)
    blobs = composition.blob_service()
    assert isinstance(blobs, ObjectStoreBlobService) and blobs.chunking.avg_size == 4096
    assert composition.blob_service() is blobs  # built once
    assert isinstance(composition.directory_service(), SqliteDirectoryService)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nosuch://x", "unknown blob service scheme 'nosuch'"),
        ("memory://foo", "takes no path"),
        ("objectstore+ftp://host/x", "unknown object store scheme"),
        ("objectstore+s3://bucket/p?no_such_key=1", "no_such_key"),
        ("objectstore+memory://?avg_chunk_size=12", "avg_chunk_size"),
        ("objectstore+memory://?avg_chunk_size=big", "not a number"),
        ("grpc+http://hostonly", "needs a host and a port"),
        ("sqlite:///x.db", "unknown blob service scheme"),
    ],
)
def test_bad_blob_urls(url: str, message: str) -> None:
    with pytest.raises(CompositionError, match=message):
        blob_service_from_url(url)


def test_bad_directory_urls(tmp_path: Path) -> None:
    with pytest.raises(CompositionError, match="unknown directory service scheme"):
        directory_service_from_url("redb:///x")
    with pytest.raises(CompositionError, match="no options"):
        directory_service_from_url(f"sqlite://{tmp_path}/x.db?mode=ro")
    assert isinstance(
        directory_service_from_url(f"sqlite://{tmp_path}/x.db"), SqliteDirectoryService
    )


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ({"blobservices": {"root": {"type": "warp"}}}, "blobservices.root: unknown blob service"),
        ({"blobservices": {"root": {"type": "memory", "size": 3}}}, "unknown option 'size'"),
        ({"blobservices": {"root": {"type": "cache", "near": "a"}}}, "missing option 'far'"),
        (
            {"blobservices": {"root": {"type": "cache", "near": "root", "far": "root"}}},
            "cycle: blobservices.root -> blobservices.root",
        ),
        ({"blobservices": {"root": {"type": "cache", "near": "x", "far": "y"}}}, "no such"),
        ({"blobservices": {"root": {"type": "grpc", "url": "memory://"}}}, "not a gRPC URL"),
        ({"blobservices": {"root": "memory"}}, "needs a table"),
        ({"nosuchservices": {}}, "unknown section"),
        (
            {"blobservices": {"root": {"type": "objectstore", "object_store_url": "ftp://x"}}},
            "blobservices.root: ftp://x: unknown object store scheme",
        ),
    ],
)
def test_bad_descriptions(description: dict[str, object], message: str) -> None:
    with pytest.raises(CompositionError, match=message):
        Composition(description).blob_service()


def test_unparsable_description_files(tmp_path: Path) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text("[blobservices.root\n")
    with pytest.raises(CompositionError, match="toml"):
        Composition.from_file(bad)
    with pytest.raises(CompositionError, match="No such file"):
        Composition.from_file(tmp_path / "missing.toml")


def test_digest_of_stored_blob_is_blake3(tmp_path: Path) -> None:
    service = blob_service_from_url(f"objectstore+file://{tmp_path}/x?avg_chunk_size=1024")
    with service.open_write() as writer:
        writer.write(b"z" * 10_000)
    assert writer.close() == B3Digest.of(b"z" * 10_000)


def test_a_backend_registered_from_outside_is_built_by_type_and_by_url() -> None:
    """Packages built on castore add backends without editing it: by type and by scheme."""
    from tvix_castore.composition import BLOB_SERVICES, REGISTRY, Registry

    registry = Registry()
    for family, kind in list(REGISTRY._backends):  # the built-in ones, to refer to
        registry._backends[(family, kind)] = REGISTRY._backends[(family, kind)]
    registry._families.update(REGISTRY.families())
    registry._loaded = True
    made: list[str] = []

    @registry.register(BLOB_SERVICES, "counting", required={"label"})
    def _counting(spec, context):  # type: ignore[no-untyped-def]
        made.append(context.string(spec, "label"))
        return MemoryBlobService()

    @registry.register_scheme(BLOB_SERVICES, "counting")
    def _counting_url(url: str) -> dict[str, object]:
        return {"type": "counting", "label": url.removeprefix("counting://")}

    composition = Composition(
        {
            "blobservices": {
                "root": {"type": "cache", "near": "near", "far": "far"},
                "near": {"type": "counting", "label": "near"},
                "far": {"type": "url", "url": "counting://far"},
            }
        },
        registry,
    )
    assert isinstance(composition.blob_service(), CachedBlobService)
    assert sorted(made) == ["far", "near"]
    with pytest.raises(CompositionError, match="unknown option 'size'"):
        Composition(
            {"blobservices": {"root": {"type": "counting", "label": "x", "size": 1}}}, registry
        ).blob_service()


def test_unknown_types_and_schemes_list_the_known_ones() -> None:
    with pytest.raises(CompositionError, match=r"known: .*memory.*objectstore"):
        Composition({"blobservices": {"root": {"type": "warp"}}}).blob_service()
    with pytest.raises(CompositionError, match=r"known: .*grpc\+unix.*sqlite"):
        directory_service_from_url("redb:///x")


def test_the_library_works_without_its_extras(tmp_path: Path) -> None:
    """A library user without the cli, fuse and s3 extras gets memory, sqlite and gRPC, and a
    clear message naming the extra for the rest."""
    import subprocess
    import sys

    script = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("obstore", "click", "rich", "mfusepy"):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Block())
from tvix_castore.composition import blob_service_from_url, directory_service_from_url
from tvix_castore.errors import CompositionError
blob_service_from_url("memory://")
directory_service_from_url("sqlite://{tmp_path}/d.sqlite")
try:
    blob_service_from_url("objectstore+file://{tmp_path}/b")
except CompositionError as exc:
    print(exc)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "needs obstore, which is not installed: pip install 'tvix-castore[s3]'" in result.stdout
