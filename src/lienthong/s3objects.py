"""What the hub's payload store and the archive store do alike with an S3 bucket: read an error's
code, find or create the bucket, say why a request failed. Nothing here depends on Django; the
errors stay botocore's, for each store to turn into its own (and to name its own URL in)."""

from __future__ import annotations

import base64
from typing import Any, Final

from botocore.exceptions import ClientError, NoCredentialsError

MISSING: Final = frozenset({"404", "NoSuchKey", "NotFound"})
NO_BUCKET: Final = frozenset({"NoSuchBucket"})


def error_code(exc: ClientError) -> str:
    """The S3 error code of a refused request (``NoSuchKey``, ``AccessDenied``, …)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def checksum_sha256(sha256: str) -> str:
    """A hexadecimal SHA-256 as S3's ``ChecksumSHA256`` (base64 of the digest)."""
    return base64.b64encode(bytes.fromhex(sha256)).decode("ascii")


def bucket_exists(client: Any, bucket: str) -> bool:
    """True when ``bucket`` is there, False when it is not; botocore's error when the server
    cannot be reached or refuses the request."""
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) in MISSING | NO_BUCKET:
            return False
        raise
    return True


def create_bucket(client: Any, bucket: str) -> None:
    """Create ``bucket`` in the client's region; one made meanwhile by someone else counts."""
    region = client.meta.region_name
    options: dict[str, Any] = {"Bucket": bucket}
    if region and region != "us-east-1":  # S3's rule: us-east-1 takes no location
        options["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        client.create_bucket(**options)
    except ClientError as exc:
        if error_code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise


def failure_reason(exc: Exception, *, credentials_in: str) -> str:
    """Why a request failed, for a message (never the credentials); ``credentials_in`` names
    where the URL that may carry access_key and secret_key is set."""
    if isinstance(exc, NoCredentialsError):
        return (
            "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or access_key "
            f"and secret_key in {credentials_in}"
        )
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', '?')}: {error.get('Message') or 'no detail'}"
    return str(exc)  # botocore's messages name the endpoint, never the credentials
