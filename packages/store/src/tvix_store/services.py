"""Opening the services a command works on: from URLs, a composition file, or by default the
embedded store under ``$XDG_DATA_HOME/tvix`` that tvix-castore's command uses too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tvix_castore.blobs.service import BlobService
from tvix_castore.composition import (
    BLOB_SERVICES,
    DIRECTORY_SERVICES,
    REGISTRY,
    Composition,
    Family,
)
from tvix_castore.directories.service import DirectoryService
from tvix_castore.embedded import default_store_url

from tvix_store.pathinfoservice.registration import PATH_INFO_SERVICES, path_info_service
from tvix_store.pathinfoservice.service import PathInfoService

__all__ = ["Store", "StoreAddresses"]


@dataclass
class Store:
    """The three services a command works on."""

    blobs: BlobService
    directories: DirectoryService
    path_infos: PathInfoService

    def close(self) -> None:
        self.path_infos.close()
        self.directories.close()
        self.blobs.close()


@dataclass
class StoreAddresses:
    blob_url: str | None
    directory_url: str | None
    path_info_url: str | None
    config: Path | None

    def composition(self) -> Composition:
        """The services as one composition, so that a PathInfo service given by URL (a
        binary cache) ingests into the blob and directory services given beside it."""
        if self.config is not None:
            return Composition.from_file(self.config)
        urls: dict[Family[Any], str | None] = {
            BLOB_SERVICES: self.blob_url,
            DIRECTORY_SERVICES: self.directory_url,
            PATH_INFO_SERVICES: self.path_info_url,
        }
        return Composition(
            {
                family.section: {
                    "root": REGISTRY.describe_url(
                        family, default_store_url(family.section) if url is None else url
                    )
                }
                for family, url in urls.items()
            }
        )

    def open(self) -> Store:
        composition = self.composition()
        return Store(
            composition.blob_service(),
            composition.directory_service(),
            path_info_service(composition),
        )
