"""Files of the dms (edXML payloads, attachments, drafts, signed PDFs), content-addressed.

A file is written once under ``<data dir>/files/ab/cd/<sha256>``, synced, then renamed into
place: a row that names a digest always finds the whole file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings


def _root() -> Path:
    return Path(settings.LIENTHONG_DMS.files_dir)


def path_of(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256 digest: {sha256!r}")
    return _root() / sha256[:2] / sha256[2:4] / sha256


def put(data: bytes) -> str:
    """Store ``data`` (idempotent); its SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    target = path_of(digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, part = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, target)
    finally:
        Path(part).unlink(missing_ok=True)
    return digest


def get(sha256: str) -> bytes:
    return path_of(sha256).read_bytes()


def exists(sha256: str) -> bool:
    return path_of(sha256).exists()


def discard(sha256: str) -> None:
    """Destroy a stored file (a disposal approved by a leader); nothing if it is gone."""
    path_of(sha256).unlink(missing_ok=True)
