"""Payloads in S3-compatible object storage, the scale profile's blob store (boto3).

Configured by one URL, ``LIENTHONG_BLOB_URL``::

    s3://BUCKET?endpoint=http://127.0.0.1:8333&region=us-east-1

parsed, with its parameters and credentials, by :mod:`lienthong.s3location` (shared with the
archive store). Secrets never appear in an error message, a log line or a ``repr``.

Objects are named ``payloads/ab/cd/<sha256>``. An upload carries its SHA-256 (the name itself)
as ``x-amz-checksum-sha256``, so the server refuses bytes damaged on the way; a download is checked
the same way by boto3 when the server returns the checksum. The bucket is created on first use.
Any failure of the storage itself (unreachable, refused credentials, missing bucket) is
:class:`~lienthong.hub.exchange.blobs.StorageUnavailable`, answered 503 ``storage-unavailable``.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any, BinaryIO, cast

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ImproperlyConfigured

from ... import s3objects
from ...s3location import S3UrlInvalid, parse_s3_url, s3_client
from .blobs import StorageUnavailable

KEY_PREFIX = "payloads"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class S3BlobStore:
    """Content-addressed payloads in one bucket; safe to share between threads."""

    def __init__(self, client: Any, bucket: str, *, endpoint: str | None = None) -> None:
        self.client = client
        self.bucket = bucket
        self.endpoint = endpoint
        self._bucket_ready = False
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str) -> S3BlobStore:
        """A store for ``s3://BUCKET?endpoint=…&region=…`` (see the module's documentation)."""
        try:
            location = parse_s3_url(
                url,
                name="LIENTHONG_BLOB_URL",
                path_note="payloads always go under payloads/ in that bucket",
            )
        except S3UrlInvalid as exc:
            raise ImproperlyConfigured(str(exc)) from None
        return cls(s3_client(location), location.bucket, endpoint=location.endpoint)

    def __repr__(self) -> str:
        return f"S3BlobStore(bucket={self.bucket!r}, endpoint={self.endpoint!r})"

    # --- the BlobStore protocol ----------------------------------------------------------------

    def put(self, sha256: str, data: bytes) -> None:
        """Store ``data`` under its SHA-256; durable once the server has answered.

        Nothing is sent when the object is already there with the same size (and the same
        checksum, when the server reports one): the name is the content.
        """
        key = self._key(sha256)
        checksum = s3objects.checksum_sha256(sha256)
        self._ensure_bucket()
        head = self._head(key)
        if head is not None and head.get("ContentLength") == len(data):
            stored = head.get("ChecksumSHA256")
            if stored is None or stored == checksum:
                return
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ChecksumSHA256=checksum,
                ContentType="application/octet-stream",
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable(f"store the payload {sha256}", exc) from None

    def open(self, sha256: str) -> BinaryIO:
        """The payload as a stream read from the server as it is consumed; close it after use.

        Raises :class:`FileNotFoundError` when no payload has that SHA-256.
        """
        key = self._key(sha256)
        self._ensure_bucket()
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if s3objects.error_code(exc) in s3objects.MISSING:
                raise FileNotFoundError(
                    f"no payload {sha256} in the bucket {self.bucket} ({self._where()})"
                ) from None
            raise self._unavailable(f"read the payload {sha256}", exc) from None
        except BotoCoreError as exc:
            raise self._unavailable(f"read the payload {sha256}", exc) from None
        # botocore's StreamingBody: read(n) pulls from the socket and checks the checksum at the
        # end; Django's FileResponse reads it in blocks and closes it.
        return cast(BinaryIO, response["Body"])

    def exists(self, sha256: str) -> bool:
        key = self._key(sha256)
        self._ensure_bucket()
        return self._head(key) is not None

    # --- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _key(sha256: str) -> str:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"{sha256!r} is not a lowercase hexadecimal SHA-256")
        return f"{KEY_PREFIX}/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self.client.head_object(
                Bucket=self.bucket, Key=key, ChecksumMode="ENABLED"
            )
        except ClientError as exc:
            if s3objects.error_code(exc) in s3objects.MISSING:
                return None
            raise self._unavailable(f"look up {key}", exc) from None
        except BotoCoreError as exc:
            raise self._unavailable(f"look up {key}", exc) from None
        return head

    def _ensure_bucket(self) -> None:
        """Create the bucket the first time this process uses it, if it is not there."""
        if self._bucket_ready:
            return
        with self._lock:
            if self._bucket_ready:
                return
            try:
                exists = s3objects.bucket_exists(self.client, self.bucket)
            except (ClientError, BotoCoreError) as exc:
                raise self._unavailable("reach the bucket", exc) from None
            if not exists:
                self._create_bucket()
            self._bucket_ready = True

    def _create_bucket(self) -> None:
        try:
            s3objects.create_bucket(self.client, self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable("create the bucket", exc) from None

    def _where(self) -> str:
        return self.endpoint or "AWS S3"

    def _unavailable(self, action: str, exc: Exception) -> StorageUnavailable:
        reason = s3objects.failure_reason(exc, credentials_in="LIENTHONG_BLOB_URL")
        if isinstance(exc, ClientError) and s3objects.error_code(exc) in s3objects.NO_BUCKET:
            reason = f"the bucket does not exist ({reason})"
        return StorageUnavailable(
            f"payload storage (bucket {self.bucket} at {self._where()}) could not {action}: "
            f"{reason}"
        )


@functools.lru_cache(maxsize=8)
def store_for(url: str) -> S3BlobStore:
    """One store (and one connection pool) per URL for the whole process."""
    return S3BlobStore.from_url(url)
