"""PathInfo: what the store knows of one store path, and its ``tvix.store.v1`` message.

A PathInfo joins a Nix store path to its contents in castore (a root node: directory, file or
symlink) and keeps what Nix needs besides: the NAR's SHA-256 and size (Nix's identity of the
contents, which castore's blake3 digests do not give), the references, signatures, deriver
and content address. From it a narinfo can be written, and signatures checked, without
rendering the NAR.

Messages from the wire are checked as Tvix checks them, each rule naming the field: the node's
name is the store path's base name, references are 20-byte digests that agree one for one
with ``reference_names``, the NAR hash has 32 bytes, signatures 64, the deriver and content
address are well formed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from nix_compat.content_address import ContentAddress, ContentAddressMethod
from nix_compat.errors import NixCompatError
from nix_compat.hash import NixHash
from nix_compat.narinfo import NarInfo, fingerprint
from nix_compat.signing import Signature, SigningKey, VerifyingKey, valid_signatures
from nix_compat.store_path import (
    DEFAULT_STORE_DIR,
    DIGEST_SIZE,
    StorePath,
    make_fixed_output_path,
    make_source_path,
    make_text_path,
)
from tvix_castore.errors import NodeError
from tvix_castore.nodes import Node, node_from_proto, node_to_proto

from tvix_store.errors import PathInfoError
from tvix_store.protos import pathinfo_pb2 as pb

__all__ = ["PathInfo"]

_NAR_SHA256_SIZE: Final = 32
_MAX_U64: Final = 2**64 - 1

_CA = pb.NARInfo.CA
#: The message's (method, algorithm) pairs; git hashing has no place in it.
_CA_TYPES: Final = {
    (ContentAddressMethod.NAR, "sha256"): _CA.NAR_SHA256,
    (ContentAddressMethod.NAR, "sha1"): _CA.NAR_SHA1,
    (ContentAddressMethod.NAR, "sha512"): _CA.NAR_SHA512,
    (ContentAddressMethod.NAR, "md5"): _CA.NAR_MD5,
    (ContentAddressMethod.TEXT, "sha256"): _CA.TEXT_SHA256,
    (ContentAddressMethod.FLAT, "sha1"): _CA.FLAT_SHA1,
    (ContentAddressMethod.FLAT, "md5"): _CA.FLAT_MD5,
    (ContentAddressMethod.FLAT, "sha256"): _CA.FLAT_SHA256,
    (ContentAddressMethod.FLAT, "sha512"): _CA.FLAT_SHA512,
}
_CA_OF_TYPE: Final = {value: key for key, value in _CA_TYPES.items()}


@dataclass(frozen=True, slots=True)
class PathInfo:
    """One store path: its castore root node and Nix's metadata."""

    store_path: StorePath
    node: Node
    nar_size: int
    nar_sha256: bytes
    references: tuple[StorePath, ...] = ()
    signatures: tuple[Signature, ...] = ()
    deriver: StorePath | None = None
    ca: ContentAddress | None = None

    def __post_init__(self) -> None:
        if len(self.nar_sha256) != _NAR_SHA256_SIZE:
            raise PathInfoError(
                "narinfo.nar_sha256", f"must be 32 bytes, not {len(self.nar_sha256)}"
            )
        if not 0 <= self.nar_size <= _MAX_U64:
            raise PathInfoError("narinfo.nar_size", f"{self.nar_size} is not a 64-bit size")
        if len(set(self.references)) != len(self.references):
            raise PathInfoError("references", "a store path is listed twice")
        if self.deriver is not None and not self.deriver.name.endswith(".drv"):
            raise PathInfoError("narinfo.deriver", f"{self.deriver} is not a .drv path")

    # -- what Nix sees ---------------------------------------------------------------------

    @property
    def nar_hash(self) -> NixHash:
        return NixHash("sha256", self.nar_sha256)

    def fingerprint(self, store_dir: str = DEFAULT_STORE_DIR) -> str:
        """The text signatures of this path sign (C++ Nix's ``1;path;hash;size;refs``)."""
        return fingerprint(
            self.store_path, self.nar_hash, self.nar_size, self.references, store_dir
        )

    def with_signature(self, key: SigningKey, store_dir: str = DEFAULT_STORE_DIR) -> PathInfo:
        """A copy signed by ``key`` too (unchanged when that signature is there already)."""
        signature = key.sign(self.fingerprint(store_dir))
        if signature in self.signatures:
            return self
        return dataclasses.replace(self, signatures=(*self.signatures, signature))

    def valid_signatures(
        self, keys: Iterable[VerifyingKey], store_dir: str = DEFAULT_STORE_DIR
    ) -> tuple[Signature, ...]:
        """The signatures that verify under a key of the same name among ``keys``."""
        return valid_signatures(self.fingerprint(store_dir), self.signatures, keys)

    def follows_from_content_address(self, store_dir: str = DEFAULT_STORE_DIR) -> bool:
        """Whether the store path is the one its content address and references give: such
        a path vouches for itself, and C++ Nix accepts it from a cache without a signature
        (the contents are checked against the NAR hash, and so against the address)."""
        if self.ca is None:
            return False
        others = [r for r in self.references if r != self.store_path]
        itself = len(others) != len(self.references)
        name, digest = self.store_path.name, self.ca.hash
        try:
            if self.ca.method is ContentAddressMethod.TEXT:
                expected = None if itself else make_text_path(name, digest, others, store_dir)
            elif self.ca.method is ContentAddressMethod.NAR and digest.algo == "sha256":
                expected = make_source_path(name, digest, others, itself, store_dir)
            elif self.ca.method in (ContentAddressMethod.NAR, ContentAddressMethod.FLAT):
                recursive = self.ca.method is ContentAddressMethod.NAR
                expected = make_fixed_output_path(
                    name, digest, recursive, others, itself, store_dir
                )
            else:
                return False
        except NixCompatError:
            return False
        if expected != self.store_path:
            return False
        # A recursive or text address hashes the NAR or the file: it must be this NAR's.
        if self.ca.method is ContentAddressMethod.NAR and digest.algo == "sha256":
            return digest.digest == self.nar_sha256
        return True

    def to_narinfo(
        self,
        url: str,
        *,
        compression: str = "none",
        file_hash: NixHash | None = None,
        file_size: int = 0,
        store_dir: str = DEFAULT_STORE_DIR,
    ) -> NarInfo:
        """The narinfo a binary cache serves for this path, its NAR at ``url``."""
        return NarInfo(
            store_path=self.store_path,
            url=url,
            nar_hash=self.nar_hash,
            nar_size=self.nar_size,
            compression=compression,
            file_hash=file_hash,
            file_size=file_size,
            references=self.references,
            deriver=self.deriver,
            signatures=self.signatures,
            ca=self.ca,
            store_dir=store_dir,
        )

    @classmethod
    def from_narinfo(cls, narinfo: NarInfo, node: Node) -> PathInfo:
        """The PathInfo of a narinfo whose NAR was ingested as ``node``."""
        if narinfo.nar_hash.algo != "sha256":
            raise PathInfoError(
                "narinfo.nar_sha256", f"NarHash is {narinfo.nar_hash.algo}, not sha256"
            )
        return cls(
            store_path=narinfo.store_path,
            node=node,
            nar_size=narinfo.nar_size,
            nar_sha256=narinfo.nar_hash.digest,
            references=narinfo.references,
            signatures=narinfo.signatures,
            deriver=narinfo.deriver,
            ca=narinfo.ca,
        )

    # -- the wire message ------------------------------------------------------------------

    def to_proto(self) -> pb.PathInfo:
        narinfo = pb.NARInfo(
            nar_size=self.nar_size,
            nar_sha256=self.nar_sha256,
            signatures=[
                pb.NARInfo.Signature(name=s.key_name, data=s.signature) for s in self.signatures
            ],
            reference_names=[r.base_name for r in self.references],
        )
        if self.deriver is not None:
            narinfo.deriver.CopyFrom(
                pb.StorePath(
                    name=self.deriver.name.removesuffix(".drv"), digest=self.deriver.digest
                )
            )
        if self.ca is not None:
            kind = _CA_TYPES.get((self.ca.method, self.ca.hash.algo))
            if kind is None:
                raise PathInfoError("narinfo.ca", f"{self.ca} has no place in the message")
            narinfo.ca.CopyFrom(pb.NARInfo.CA(type=kind, digest=self.ca.hash.digest))
        return pb.PathInfo(
            node=node_to_proto(self.node, self.store_path.base_name.encode()),
            references=[r.digest for r in self.references],
            narinfo=narinfo,
        )

    def to_bytes(self) -> bytes:
        """The message's encoding (as the sqlite and object store backends keep it)."""
        return self.to_proto().SerializeToString()

    @classmethod
    def from_proto(cls, msg: pb.PathInfo) -> PathInfo:
        """Check a received message and make it a PathInfo; PathInfoError names the field."""
        if not msg.HasField("node"):
            raise PathInfoError("node", "missing")
        try:
            name, node = node_from_proto(msg.node)
        except NodeError as exc:
            raise PathInfoError("node", str(exc)) from None
        store_path = _store_path("node.name", name)
        if not msg.HasField("narinfo"):
            raise PathInfoError("narinfo", "missing")
        narinfo = msg.narinfo
        references = _references(msg, narinfo)
        try:
            signatures = tuple(Signature(s.name, s.data) for s in narinfo.signatures)
        except NixCompatError as exc:
            raise PathInfoError("narinfo.signatures", str(exc)) from None
        deriver = None
        if narinfo.HasField("deriver"):
            deriver = _deriver(narinfo.deriver)
        ca = _content_address(narinfo.ca) if narinfo.HasField("ca") else None
        return cls(
            store_path=store_path,
            node=node,
            nar_size=narinfo.nar_size,
            nar_sha256=narinfo.nar_sha256,
            references=references,
            signatures=signatures,
            deriver=deriver,
            ca=ca,
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> PathInfo:
        """A PathInfo from its encoding, checked as any received message."""
        msg = pb.PathInfo()
        try:
            msg.ParseFromString(data)
        except Exception as exc:  # protobuf's DecodeError, or a RuntimeWarning-turned-error
            raise PathInfoError("(message)", f"not a PathInfo message: {exc}") from None
        return cls.from_proto(msg)


def _store_path(where: str, name: bytes) -> StorePath:
    try:
        return StorePath.from_base_name(name.decode())
    except (UnicodeDecodeError, NixCompatError) as exc:
        raise PathInfoError(where, f"{name!r} is not a store path base name: {exc}") from None


def _references(msg: pb.PathInfo, narinfo: pb.NARInfo) -> tuple[StorePath, ...]:
    if len(msg.references) != len(narinfo.reference_names):
        raise PathInfoError(
            "narinfo.reference_names",
            f"{len(narinfo.reference_names)} names for {len(msg.references)} references",
        )
    out = []
    for index, (digest, name) in enumerate(
        zip(msg.references, narinfo.reference_names, strict=True)
    ):
        if len(digest) != DIGEST_SIZE:
            raise PathInfoError(f"references[{index}]", f"must be 20 bytes, not {len(digest)}")
        path = _store_path(f"narinfo.reference_names[{index}]", name.encode())
        if path.digest != digest:
            raise PathInfoError(
                f"narinfo.reference_names[{index}]",
                f"{name} does not have the digest of references[{index}]",
            )
        out.append(path)
    return tuple(out)


def _deriver(msg: pb.StorePath) -> StorePath:
    if len(msg.digest) != DIGEST_SIZE:
        raise PathInfoError("narinfo.deriver.digest", f"must be 20 bytes, not {len(msg.digest)}")
    try:
        return StorePath(msg.digest, msg.name + ".drv")
    except NixCompatError as exc:
        raise PathInfoError("narinfo.deriver.name", str(exc)) from None


def _content_address(msg: pb.NARInfo.CA) -> ContentAddress:
    kind = _CA_OF_TYPE.get(msg.type)
    if kind is None:
        raise PathInfoError("narinfo.ca.type", f"unknown type {msg.type}")
    method, algo = kind
    try:
        return ContentAddress(method, NixHash(algo, msg.digest))
    except NixCompatError as exc:
        raise PathInfoError("narinfo.ca.digest", str(exc)) from None
