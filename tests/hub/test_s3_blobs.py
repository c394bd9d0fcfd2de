"""Payloads in S3-compatible storage, against a real SeaweedFS server started for this module."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured

from lienthong.edxml.signing_key import SigningKey
from lienthong.hub.exchange.blobs import StorageUnavailable, blob_store
from lienthong.hub.exchange.models import Message
from lienthong.hub.exchange.s3 import S3BlobStore

from ..seaweedfs import SeaweedFS
from .conftest import Network, document

FIVE_MB = 5 * 1024 * 1024


def payload(size: int = FIVE_MB) -> tuple[bytes, str]:
    data = os.urandom(size)
    return data, hashlib.sha256(data).hexdigest()


def read_in_blocks(stream: Any, block: int = 64 * 1024) -> bytes:
    """How Django's FileResponse consumes what ``open`` returns."""
    parts = []
    try:
        while chunk := stream.read(block):
            parts.append(chunk)
    finally:
        stream.close()
    return b"".join(parts)


def dead_endpoint() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # closed again: nothing listens there


def dead_blob_url(endpoint: str | None = None, *, secret: str = "s") -> str:
    endpoint = endpoint or dead_endpoint()
    return f"s3://payloads?endpoint={endpoint}&access_key=k&secret_key={secret}"


@pytest.fixture
def store(seaweedfs: SeaweedFS, request: pytest.FixtureRequest) -> S3BlobStore:
    """A store on a bucket of its own (created by the store on first use)."""
    bucket = "t-" + request.node.name.removeprefix("test_").replace("_", "-")[:50]
    return S3BlobStore.from_url(seaweedfs.blob_url(bucket))


# --- the store ---------------------------------------------------------------------------------


def test_a_5_mb_payload_comes_back_with_identical_bytes(store: S3BlobStore) -> None:
    data, sha256 = payload()
    store.put(sha256, data)
    back = read_in_blocks(store.open(sha256))
    assert hashlib.sha256(back).hexdigest() == sha256
    assert back == data


def test_payloads_are_named_by_their_sha256(store: S3BlobStore) -> None:
    data, sha256 = payload(1000)
    store.put(sha256, data)
    head = store.client.head_object(
        Bucket=store.bucket, Key=f"payloads/{sha256[:2]}/{sha256[2:4]}/{sha256}"
    )
    assert head["ContentLength"] == 1000


def test_the_bucket_is_created_on_first_use(store: S3BlobStore) -> None:
    with pytest.raises(ClientError):
        store.client.head_bucket(Bucket=store.bucket)
    data, sha256 = payload(100)
    store.put(sha256, data)
    store.client.head_bucket(Bucket=store.bucket)


def test_putting_the_same_payload_twice_uploads_it_once(store: S3BlobStore) -> None:
    uploads: list[str] = []
    store.client.meta.events.register(
        "before-call.s3.PutObject", lambda params, **_: uploads.append(params["url_path"])
    )
    data, sha256 = payload(200_000)
    store.put(sha256, data)
    store.put(sha256, data)
    assert len(uploads) == 1
    assert read_in_blocks(store.open(sha256)) == data
    listed = store.client.list_objects_v2(Bucket=store.bucket, Prefix="payloads/")
    assert [o["Key"].rsplit("/", 1)[1] for o in listed["Contents"]] == [sha256]


def test_exists_tells_stored_from_unknown(store: S3BlobStore) -> None:
    data, sha256 = payload(10)
    assert not store.exists(sha256)
    store.put(sha256, data)
    assert store.exists(sha256)


def test_opening_an_unknown_payload_is_a_clear_error(store: S3BlobStore) -> None:
    unknown = hashlib.sha256(b"never stored").hexdigest()
    with pytest.raises(FileNotFoundError, match=unknown):
        store.open(unknown)


def test_bytes_that_do_not_match_their_sha256_are_refused_by_the_server(
    store: S3BlobStore,
) -> None:
    data, _ = payload(1000)
    claimed = hashlib.sha256(b"other bytes").hexdigest()
    with pytest.raises(StorageUnavailable, match="BadDigest"):
        store.put(claimed, data)
    assert not store.exists(claimed)


def test_an_unreachable_endpoint_is_storage_unavailable() -> None:
    endpoint = dead_endpoint()
    store = S3BlobStore.from_url(dead_blob_url(endpoint, secret="very-secret"))
    data, sha256 = payload(10)
    for action in (lambda: store.put(sha256, data), lambda: store.open(sha256)):
        with pytest.raises(StorageUnavailable, match=endpoint) as caught:
            action()
        assert caught.value.status == 503
        assert caught.value.code == "storage-unavailable"
        assert "very-secret" not in str(caught.value)


def test_refused_credentials_are_storage_unavailable(seaweedfs: SeaweedFS) -> None:
    wrong = dataclasses.replace(seaweedfs, secret_key="not-the-secret")
    store = S3BlobStore.from_url(wrong.blob_url("t-refused"))
    data, sha256 = payload(10)
    with pytest.raises(StorageUnavailable) as caught:
        store.put(sha256, data)
    assert "not-the-secret" not in str(caught.value)


# --- the URL -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://bucket?endpoint=http://127.0.0.1:8333",
        "s3://?endpoint=http://127.0.0.1:8333",
        "s3://bucket/prefix?endpoint=http://127.0.0.1:8333",
        "s3://bucket?endpoint=http://127.0.0.1:8333&colour=blue",
        "s3://bucket?endpoint=127.0.0.1:8333",
        "s3://bucket?access_key=only-half",
        "s3://bucket?addressing=sideways",
    ],
)
def test_a_malformed_blob_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        S3BlobStore.from_url(url)


def test_the_store_never_shows_its_secret() -> None:
    store = S3BlobStore.from_url(
        "s3://payloads?endpoint=http://127.0.0.1:8333&access_key=k&secret_key=very-secret"
    )
    assert "very-secret" not in repr(store)
    assert store.bucket == "payloads"


# --- through the hub's API ---------------------------------------------------------------------


@pytest.fixture
def s3_hub(settings: Any, seaweedfs: SeaweedFS) -> str:
    settings.LIENTHONG = dataclasses.replace(
        settings.LIENTHONG, blob_url=seaweedfs.blob_url("hub-payloads")
    )
    return str(settings.LIENTHONG.data_dir)


def test_the_hub_keeps_payloads_in_s3_and_serves_the_exact_bytes(
    network: Network, agency_key: SigningKey, s3_hub: str
) -> None:
    data = document(agency_key)
    sha256 = hashlib.sha256(data).hexdigest()
    response = network.sender.submit(data)
    assert response.status_code == 201, response.json()
    store = blob_store()
    assert isinstance(store, S3BlobStore)
    assert store.exists(sha256)
    assert not os.path.exists(os.path.join(s3_hub, "payloads"))  # nothing on the local disk
    fetched = network.receiver.get(f"/api/v1/messages/{response.json()['id']}")
    assert fetched.status_code == 200
    assert fetched["X-Content-SHA256"] == sha256
    assert b"".join(fetched.streaming_content) == data


def test_a_submission_while_storage_is_down_is_503_and_leaves_nothing(
    network: Network, agency_key: SigningKey, settings: Any
) -> None:
    settings.LIENTHONG = dataclasses.replace(settings.LIENTHONG, blob_url=dead_blob_url())
    response = network.sender.submit(document(agency_key))
    assert response.status_code == 503
    assert response.json()["code"] == "storage-unavailable"
    assert response["Content-Type"] == "application/problem+json"
    assert not Message.objects.exists()


def test_a_fetch_while_storage_is_down_is_503(
    network: Network, agency_key: SigningKey, settings: Any, s3_hub: str
) -> None:
    message_id = network.sender.submit(document(agency_key)).json()["id"]
    settings.LIENTHONG = dataclasses.replace(settings.LIENTHONG, blob_url=dead_blob_url())
    fetched = network.receiver.get(f"/api/v1/messages/{message_id}")
    assert fetched.status_code == 503
    assert fetched.json()["code"] == "storage-unavailable"
