"""Where objects live in S3-compatible storage: one URL, parsed once, and the boto3 client for it.

Shared by the hub's payload store (``LIENTHONG_BLOB_URL``) and the archive store
(``lienthong archive … --s3 URL``); nothing here depends on Django::

    s3://BUCKET?endpoint=http://127.0.0.1:8333&region=us-east-1

| parameter | default | meaning |
| --- | --- | --- |
| ``endpoint`` | AWS itself | the S3 API's base URL (SeaweedFS, MinIO, Ceph RGW, …) |
| ``region`` | ``us-east-1`` | the region requests are signed for |
| ``addressing`` | ``path`` | ``path`` (``endpoint/bucket/key``, most servers) or ``virtual`` |
| ``access_key``, ``secret_key`` | the AWS chain | credentials; better left out of the URL |

Without ``access_key``/``secret_key`` boto3's standard chain applies: the ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY`` (and ``AWS_SESSION_TOKEN``) environment variables, then
``AWS_PROFILE`` and the shared credential files, then the machine's role. The secret never
appears in an error message or a ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

PARAMETERS = ("endpoint", "region", "addressing", "access_key", "secret_key")
_ADDRESSING = ("path", "virtual")


class S3UrlInvalid(ValueError):
    """The URL does not name an S3 location; the message says what is wrong (never the secret)."""


@dataclass(frozen=True)
class S3Location:
    bucket: str
    endpoint: str | None = None
    region: str = "us-east-1"
    addressing: str = "path"
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)

    def where(self) -> str:
        """The server, for messages: the endpoint, or AWS itself."""
        return self.endpoint or "AWS S3"


def parse_s3_url(url: str, *, name: str = "the S3 URL", path_note: str = "") -> S3Location:
    """The location ``s3://BUCKET?…`` names; ``name`` is how messages call the URL (a setting, an
    option), ``path_note`` says why nothing may follow the bucket."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise S3UrlInvalid(f"{name} must look like s3://BUCKET?endpoint=http://host:port")
    if parts.path not in ("", "/"):
        note = f"; {path_note}" if path_note else ""
        raise S3UrlInvalid(f"{name} names the bucket {parts.hostname!r} and nothing after it{note}")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - set(PARAMETERS))
    if unknown:
        raise S3UrlInvalid(
            f"{name} has unknown parameter(s) {', '.join(unknown)}; known: {', '.join(PARAMETERS)}"
        )
    value = {key: values[-1] for key, values in query.items() if values and values[-1]}
    addressing = value.get("addressing", "path")
    if addressing not in _ADDRESSING:
        raise S3UrlInvalid(f"{name} addressing={addressing!r} is not one of path, virtual")
    if ("access_key" in value) != ("secret_key" in value):
        raise S3UrlInvalid(
            f"{name} needs both access_key and secret_key, or neither "
            "(then AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are used)"
        )
    endpoint = value.get("endpoint")
    if endpoint is not None and urlsplit(endpoint).scheme not in ("http", "https"):
        raise S3UrlInvalid(f"{name} endpoint={endpoint!r} must be an http:// or https:// URL")
    return S3Location(
        bucket=parts.hostname,
        endpoint=endpoint,
        region=value.get("region", "us-east-1"),
        addressing=addressing,
        access_key=value.get("access_key"),
        secret_key=value.get("secret_key"),
    )


def s3_client(location: S3Location) -> Any:
    """A boto3 S3 client for ``location``: standard retries, short connect timeout, SHA-256
    checksums sent and checked whenever the server supports them."""
    import boto3  # only the commands that use S3 pay for importing boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id=location.access_key,
        aws_secret_access_key=location.secret_key,
        region_name=location.region,
    )
    return session.client(
        "s3",
        endpoint_url=location.endpoint,
        config=Config(
            s3={"addressing_style": location.addressing},
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=5,
            read_timeout=60,
            max_pool_connections=32,
            request_checksum_calculation="when_supported",
            response_checksum_validation="when_supported",
        ),
    )
