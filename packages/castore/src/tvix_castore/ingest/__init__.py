"""Importing trees into a castore: file system paths and tar archives."""

from tvix_castore.ingest.archive import ingest_archive
from tvix_castore.ingest.fs import ingest_path

__all__ = ["ingest_archive", "ingest_path"]
