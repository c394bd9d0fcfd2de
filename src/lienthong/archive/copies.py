"""The two copies of the archive store: a file-system directory and an S3 bucket, behind one
small interface (hash a stored object, read it, write it so that only the expected bytes land).

Both are named by the same keys (``packages/ID/ID.zip`` …). A write is verified before it counts:
on disk the bytes are hashed on their way to a temporary file that replaces the old one only when
the SHA-256 is the expected one; in S3 the upload carries the SHA-256 and the server refuses other
bytes. A copy never reports damage as "unreachable" or the reverse: a missing or different object
is a fixity result, a server that cannot be reached is :class:`StoreUnavailable`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Final, Protocol, cast

from botocore.exceptions import BotoCoreError, ClientError, FlexibleChecksumError

from .. import s3objects
from ..s3location import S3Location, s3_client
from .errors import ArchiveError

CHUNK: Final = 1 << 20
# What S3 answers when the bytes it received do not have the SHA-256 the upload named.
_DAMAGED: Final = frozenset({"BadDigest", "XAmzContentChecksumMismatch", "InvalidDigest"})


class StoreUnavailable(ArchiveError):
    """A copy cannot be reached or refuses the store (server down, refused credentials, a
    directory that cannot be written): the operator's environment, not the packages."""

    code = "storage-unavailable"


class CopyDamaged(ArchiveError):
    """The bytes read back while copying are not the expected ones: nothing was replaced."""

    code = "copy-damaged"


class Copy(Protocol):
    name: str  # "fs" or "s3", as reports and events name the copy

    def describe(self, key: str) -> str: ...

    def sha256(self, key: str) -> str | None:
        """The SHA-256 of the object as stored now, None when there is no such object."""
        ...

    def read(self, key: str) -> bytes | None: ...

    def copy_from(self, other: Copy, key: str, sha256: str) -> None:
        """Replace this copy's ``key`` with ``other``'s, which must hash to ``sha256``."""
        ...

    def open(self, key: str) -> IO[bytes]: ...

    def write(self, key: str, data: bytes) -> None:
        """A small record (catalogue, event log), written whole or not at all."""
        ...


class FileSystemCopy:
    name = "fs"

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self, key: str) -> str:
        return str(self.root / key)

    def sha256(self, key: str) -> str | None:
        try:
            with (self.root / key).open("rb") as stream:
                return _hash(stream)
        except FileNotFoundError:
            return None

    def read(self, key: str) -> bytes | None:
        try:
            return (self.root / key).read_bytes()
        except FileNotFoundError:
            return None

    def open(self, key: str) -> IO[bytes]:
        return (self.root / key).open("rb")

    def copy_from(self, other: Copy, key: str, sha256: str) -> None:
        with other.open(key) as source:
            self._replace(key, source, sha256)

    def put_file(self, key: str, source: Path, sha256: str) -> None:
        with source.open("rb") as stream:
            self._replace(key, stream, sha256)

    def write(self, key: str, data: bytes) -> None:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def _replace(self, key: str, source: IO[bytes], sha256: str) -> None:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != sha256:
                raise CopyDamaged(
                    f"{key}: the bytes read have SHA-256 {digest.hexdigest()}, not {sha256}; "
                    f"{self.describe(key)} was left as it was"
                )
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)


class S3Copy:
    name = "s3"

    def __init__(self, location: S3Location, client: Any | None = None) -> None:
        self.location = location
        self.bucket = location.bucket
        self.client = client if client is not None else s3_client(location)
        self._bucket_ready = False

    def __repr__(self) -> str:
        return f"S3Copy(bucket={self.bucket!r}, endpoint={self.location.endpoint!r})"

    def describe(self, key: str) -> str:
        return f"s3://{self.bucket}/{key} at {self.location.where()}"

    def reachable(self) -> bool:
        """True when the bucket exists; raises :class:`StoreUnavailable` when the server cannot
        be reached or refuses the credentials."""
        try:
            return s3objects.bucket_exists(self.client, self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable("reach the bucket", exc) from None

    def sha256(self, key: str) -> str | None:
        stream = self._get(key)
        if stream is None:
            return None
        try:
            return _hash(stream)
        except FlexibleChecksumError:
            # The server's own checksum disagrees with the bytes it sent: damaged either way.
            return "unreadable: the server's checksum does not match the bytes it returned"
        except BotoCoreError as exc:
            raise self._unavailable(f"read {key}", exc) from None
        finally:
            stream.close()

    def read(self, key: str) -> bytes | None:
        stream = self._get(key)
        if stream is None:
            return None
        try:
            data: bytes = stream.read()
            return data
        except BotoCoreError as exc:
            raise self._unavailable(f"read {key}", exc) from None
        finally:
            stream.close()

    def open(self, key: str) -> IO[bytes]:
        stream = self._get(key)
        if stream is None:
            raise FileNotFoundError(self.describe(key))
        return cast(IO[bytes], stream)  # botocore's StreamingBody: read(n), close(), with

    def copy_from(self, other: Copy, key: str, sha256: str) -> None:
        with other.open(key) as source:
            self._put(key, source, sha256)

    def put_file(self, key: str, source: Path, sha256: str) -> None:
        with source.open("rb") as stream:
            self._put(key, stream, sha256)

    def write(self, key: str, data: bytes) -> None:
        self._put(key, data, hashlib.sha256(data).hexdigest())

    def _put(self, key: str, body: IO[bytes] | bytes, sha256: str) -> None:
        self._ensure_bucket()
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ChecksumSHA256=s3objects.checksum_sha256(sha256),
                ContentType="application/zip" if key.endswith(".zip") else "application/xml",
            )
        except ClientError as exc:
            if s3objects.error_code(exc) in _DAMAGED:
                raise CopyDamaged(
                    f"{key}: the bytes sent do not have SHA-256 {sha256}; the server refused "
                    f"them and {self.describe(key)} was left as it was"
                ) from None
            raise self._unavailable(f"store {key}", exc) from None
        except BotoCoreError as exc:
            raise self._unavailable(f"store {key}", exc) from None

    def _get(self, key: str) -> Any | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if s3objects.error_code(exc) in s3objects.MISSING | s3objects.NO_BUCKET:
                return None
            raise self._unavailable(f"read {key}", exc) from None
        except BotoCoreError as exc:
            raise self._unavailable(f"read {key}", exc) from None
        return response["Body"]

    def _ensure_bucket(self) -> None:
        if self._bucket_ready or self.reachable():
            self._bucket_ready = True
            return
        try:
            s3objects.create_bucket(self.client, self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable("create the bucket", exc) from None
        self._bucket_ready = True

    def _unavailable(self, action: str, exc: Exception) -> StoreUnavailable:
        reason = s3objects.failure_reason(exc, credentials_in="the --s3 URL")
        return StoreUnavailable(
            f"the S3 copy (bucket {self.bucket} at {self.location.where()}) could not {action}: "
            f"{reason}"
        )


def _hash(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()
