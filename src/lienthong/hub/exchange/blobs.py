"""Where payloads live: content-addressed by SHA-256, written whole or not at all.

The file system under the data directory by default; S3-compatible storage when
``LIENTHONG_BLOB_URL=s3://…`` (scale profile, :mod:`lienthong.hub.exchange.s3`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from lienthong.hub.errors import HubError


class StorageUnavailable(HubError):
    """The payload storage cannot be reached or refuses the hub: retry later, fix the storage."""

    code = "storage-unavailable"
    status = 503


class BlobStore(Protocol):
    def put(self, sha256: str, data: bytes) -> None: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...


class FileBlobStore:
    """``<root>/ab/cd/<sha256>``; a blob is renamed into place only once complete and synced."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, sha256: str, data: bytes) -> None:
        path = self._path(sha256)
        if path.exists():
            return  # content-addressed: the same name is the same bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())  # a 201 promises durability
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        return self._path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()


def blob_store() -> BlobStore:
    from django.conf import settings

    config = settings.LIENTHONG
    if config.blob_url:
        from .s3 import store_for  # boto3 is imported only by hubs that use it

        return store_for(config.blob_url)
    return FileBlobStore(config.data_dir / "payloads")
