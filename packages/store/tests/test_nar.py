"""NARs rendered from castore and ingested into it, byte for byte as the reference's."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.digest import B3Digest
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.ingest import ingest_path
from tvix_castore.nodes import Directory, FileNode, SymlinkNode
from tvix_store.errors import NarIngestError, NarRenderError
from tvix_store.nar import NarCalculator, RenderedNar, calculate_nar, ingest_nar, render_nar


@pytest.fixture
def reference_nar(oracle, tree: Path) -> bytes:  # type: ignore[no-untyped-def]
    return bytes(oracle.run("nix-store", "--dump", tree).stdout)


def _services() -> tuple[MemoryBlobService, MemoryDirectoryService]:
    return MemoryBlobService(), MemoryDirectoryService()


def test_rendered_nar_is_the_references_dump(tree: Path, reference_nar: bytes) -> None:
    blobs, directories = _services()
    node = ingest_path(tree, blobs, directories)
    assert b"".join(render_nar(node, blobs, directories)) == reference_nar
    size, digest = calculate_nar(node, blobs, directories)
    assert (size, digest) == (len(reference_nar), hashlib.sha256(reference_nar).digest())


@pytest.mark.parametrize("start", [0, 1, 7, 8, 100, 5000, 1_000_000, 3_000_000, -1, -64])
def test_rendering_from_an_offset_is_the_rest_of_the_nar(
    tree: Path, reference_nar: bytes, start: int
) -> None:
    blobs, directories = _services()
    node = ingest_path(tree, blobs, directories)
    start = start % len(reference_nar)
    assert b"".join(render_nar(node, blobs, directories, start=start)) == reference_nar[start:]


def test_a_rendered_nar_is_a_seekable_file(tree: Path, reference_nar: bytes) -> None:
    blobs, directories = _services()
    node = ingest_path(tree, blobs, directories)
    nar = io.BufferedReader(RenderedNar(node, blobs, directories, len(reference_nar)))
    assert nar.read(20) == reference_nar[:20]
    nar.seek(2_000_000)
    assert nar.read(70_000) == reference_nar[2_000_000:2_070_000]
    nar.seek(-10, io.SEEK_END)
    assert nar.read() == reference_nar[-10:]
    nar.seek(5)
    assert nar.read() == reference_nar[5:]


def test_ingesting_the_references_dump_gives_the_tree(tree: Path, reference_nar: bytes) -> None:
    blobs, directories = _services()
    expected = ingest_path(tree, *_services())
    ingested = ingest_nar(io.BytesIO(reference_nar), blobs, directories)
    assert ingested.node == expected
    assert ingested.nar_size == len(reference_nar)
    assert ingested.nar_sha256 == hashlib.sha256(reference_nar).digest()
    assert b"".join(render_nar(ingested.node, blobs, directories)) == reference_nar


def test_a_nar_of_one_file_or_symlink(oracle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "f").write_bytes(b"contents")
    (tmp_path / "l").symlink_to("target")
    for name, kind in (("f", FileNode), ("l", SymlinkNode)):
        data = bytes(oracle.run("nix-store", "--dump", tmp_path / name).stdout)
        blobs, directories = _services()
        ingested = ingest_nar(io.BytesIO(data), blobs, directories)
        assert isinstance(ingested.node, kind)
        assert b"".join(render_nar(ingested.node, blobs, directories)) == data


@pytest.fixture
def tree_directories(tree: Path) -> list[B3Digest]:
    """The digests of every directory of the tree, as castore stores them."""
    blobs, directories = _services()
    root = ingest_path(tree, blobs, directories)
    return [d.digest for d in directories.get_recursive(root.digest)]  # type: ignore[union-attr]


def _nothing_visible(directories: MemoryDirectoryService, digests: list[B3Digest]) -> bool:
    return all(directories.get(d) is None for d in digests)


def test_a_truncated_nar_leaves_nothing(
    reference_nar: bytes, tree_directories: list[B3Digest]
) -> None:
    for cut in (10, len(reference_nar) // 2, len(reference_nar) - 1):
        blobs, directories = _services()
        with pytest.raises(NarIngestError, match="not a valid NAR"):
            ingest_nar(io.BytesIO(reference_nar[:cut]), blobs, directories)
        assert _nothing_visible(directories, tree_directories)


def test_a_corrupt_nar_leaves_nothing(
    reference_nar: bytes, tree_directories: list[B3Digest]
) -> None:
    corrupt = bytearray(reference_nar)
    corrupt[len(corrupt) - 20] ^= 0xFF
    blobs, directories = _services()
    with pytest.raises(NarIngestError):
        ingest_nar(io.BytesIO(bytes(corrupt)), blobs, directories)
    assert _nothing_visible(directories, tree_directories)


def test_a_nar_that_is_not_the_expected_one_leaves_nothing(
    reference_nar: bytes, tree_directories: list[B3Digest]
) -> None:
    blobs, directories = _services()
    with pytest.raises(NarIngestError, match="not the expected sha256-"):
        ingest_nar(io.BytesIO(reference_nar), blobs, directories, expected_sha256=bytes(32))
    with pytest.raises(NarIngestError, match="not the expected 5"):
        ingest_nar(io.BytesIO(reference_nar), blobs, directories, expected_size=5)
    assert _nothing_visible(directories, tree_directories)
    ingest_nar(
        io.BytesIO(reference_nar),
        blobs,
        directories,
        expected_sha256=hashlib.sha256(reference_nar).digest(),
        expected_size=len(reference_nar),
    )
    assert not _nothing_visible(directories, tree_directories)


def test_rendering_without_a_blob_or_directory_is_one_error(tree: Path) -> None:
    blobs, directories = _services()
    node = ingest_path(tree, blobs, directories)
    with pytest.raises(NarRenderError, match="not in the directory service"):
        b"".join(render_nar(node, blobs, MemoryDirectoryService()))
    with pytest.raises(NarRenderError, match="not found"):
        b"".join(render_nar(node, MemoryBlobService(), directories))
    wrong_size = FileNode(B3Digest.of(b"abc"), 4)
    with blobs.open_write() as writer:
        writer.write(b"abc")
    with pytest.raises(NarRenderError, match="has 3 bytes, not 4"):
        b"".join(render_nar(wrong_size, blobs, directories))


def test_nar_calculation_is_remembered(tree: Path) -> None:
    blobs, directories = _services()
    node = ingest_path(tree, blobs, directories)
    calculator = NarCalculator(blobs, directories)
    first = calculator.calculate_nar(node)
    assert calculator.calculate_nar(node) == first  # from the cache: no blob is read
    assert isinstance(directories.get(node.digest), Directory)  # type: ignore[union-attr]
