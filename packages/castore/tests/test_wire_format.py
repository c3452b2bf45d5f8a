"""Our generated code speaks Tvix's wire protocol: the names, numbers and types below are
those of Tvix's published castore.proto, rpc_blobstore.proto and rpc_directory.proto."""

from __future__ import annotations

import pytest
from google.protobuf.descriptor import FieldDescriptor
from tvix_castore.protos import castore_pb2, rpc_blobstore_pb2, rpc_directory_pb2

B, U64, BYTES, MSG = (
    FieldDescriptor.TYPE_BOOL,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_BYTES,
    FieldDescriptor.TYPE_MESSAGE,
)

MESSAGES = {
    "tvix.castore.v1.Directory": {"directories": (1, MSG), "files": (2, MSG), "symlinks": (3, MSG)},
    "tvix.castore.v1.DirectoryNode": {"name": (1, BYTES), "digest": (2, BYTES), "size": (3, U64)},
    "tvix.castore.v1.FileNode": {
        "name": (1, BYTES),
        "digest": (2, BYTES),
        "size": (3, U64),
        "executable": (4, B),
    },
    "tvix.castore.v1.SymlinkNode": {"name": (1, BYTES), "target": (2, BYTES)},
    "tvix.castore.v1.Node": {"directory": (1, MSG), "file": (2, MSG), "symlink": (3, MSG)},
    "tvix.castore.v1.StatBlobRequest": {
        "digest": (1, BYTES),
        "send_chunks": (2, B),
        "send_bao": (3, B),
    },
    "tvix.castore.v1.StatBlobResponse": {"chunks": (2, MSG), "bao": (3, BYTES)},
    "tvix.castore.v1.StatBlobResponse.ChunkMeta": {"digest": (1, BYTES), "size": (2, U64)},
    "tvix.castore.v1.ReadBlobRequest": {"digest": (1, BYTES)},
    "tvix.castore.v1.BlobChunk": {"data": (1, BYTES)},
    "tvix.castore.v1.PutBlobResponse": {"digest": (1, BYTES)},
    "tvix.castore.v1.GetDirectoryRequest": {"digest": (1, BYTES), "recursive": (2, B)},
    "tvix.castore.v1.PutDirectoryResponse": {"root_digest": (1, BYTES)},
}

SERVICES = {
    "tvix.castore.v1.BlobService": {
        "Stat": ("StatBlobRequest", "StatBlobResponse", False, False),
        "Read": ("ReadBlobRequest", "BlobChunk", False, True),
        "Put": ("BlobChunk", "PutBlobResponse", True, False),
    },
    "tvix.castore.v1.DirectoryService": {
        "Get": ("GetDirectoryRequest", "Directory", False, True),
        "Put": ("Directory", "PutDirectoryResponse", True, False),
    },
}

POOL = castore_pb2.DESCRIPTOR.pool
assert rpc_blobstore_pb2 and rpc_directory_pb2  # registered in the pool on import


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_message_fields(name: str) -> None:
    descriptor = POOL.FindMessageTypeByName(name)
    got = {f.name: (f.number, f.type) for f in descriptor.fields}
    assert got == MESSAGES[name]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_methods(name: str) -> None:
    service = POOL.FindServiceByName(name)
    got = {
        m.name: (
            m.input_type.name,
            m.output_type.name,
            m.client_streaming,
            m.server_streaming,
        )
        for m in service.methods
    }
    assert got == SERVICES[name]


def test_proto_files_keep_tvix_paths() -> None:
    assert castore_pb2.DESCRIPTOR.name == "tvix/castore/protos/castore.proto"
    assert [d.name for d in rpc_directory_pb2.DESCRIPTOR.dependencies] == [
        "tvix/castore/protos/castore.proto"
    ]
