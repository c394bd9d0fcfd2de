"""The hub's Python SDK against a real hub server over HTTP."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from lienthong.client import ContentMismatch, HubClient, HubProblem, HubUnavailable
from lienthong.edxml import Organization, build, parse
from lienthong.edxml.compose import new_status
from lienthong.edxml.model import EdocMessage, StatusCode
from lienthong.edxml.signing_key import SigningKey

from .conftest import Hub, Network, document
from .hub_server import free_port, run_in_hub, serving

# --- sending ---------------------------------------------------------------------------------


def test_a_signed_document_is_accepted_with_its_recipients_and_receipt(
    network: Network, sender: HubClient, agency_key: SigningKey
) -> None:
    data = document(agency_key, network)
    accepted = sender.submit(data)
    assert accepted.created
    assert accepted.recipients == (network.nghe_an, network.ha_noi)
    assert accepted.receipt["data"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_the_same_bytes_again_get_the_first_receipt(
    network: Network, sender: HubClient, agency_key: SigningKey
) -> None:
    data = document(agency_key, network)
    first = sender.submit(data)
    again = sender.submit(data)
    assert (first.created, again.created) == (True, False)
    assert (again.id, again.receipt) == (first.id, first.receipt)


def test_an_unregistered_recipient_is_a_problem_with_its_code(
    network: Network, sender: HubClient, agency_key: SigningKey
) -> None:
    with pytest.raises(HubProblem) as refused:
        sender.submit(document(agency_key, network, to=("000.00.99.H99",)))
    assert (refused.value.status, refused.value.code) == (422, "recipient-unknown")
    assert not refused.value.retryable
    assert refused.value.body["status"] == 422


def test_an_invalid_message_carries_the_hub_s_problem_document(
    network: Network, sender: HubClient
) -> None:
    with pytest.raises(HubProblem) as refused:
        sender.submit(b"<edXML><unclosed>")
    assert (refused.value.status, refused.value.code) == (400, "edxml-malformed")
    assert refused.value.as_dict()["code"] == "edxml-malformed"


# --- receiving -------------------------------------------------------------------------------


def test_a_recipient_leases_fetches_the_exact_bytes_and_acknowledges(
    network: Network, sender: HubClient, receiver: HubClient, agency_key: SigningKey
) -> None:
    data = document(agency_key, network)
    message_id = sender.submit(data).id
    items = receiver.inbox(kind="edoc")
    assert sorted(item.to for item in items) == sorted([network.nghe_an, network.ha_noi])
    assert {(item.message_id, item.kind, item.from_) for item in items} == {
        (message_id, "edoc", network.gov_office)
    }
    assert all(item.sha256 == hashlib.sha256(data).hexdigest() for item in items)
    assert receiver.fetch(message_id) == data
    for item in items:
        assert receiver.ack(item.delivery_id).state == "delivered"
    assert receiver.inbox() == []


def test_a_message_is_streamed_whole_to_a_file(
    network: Network, sender: HubClient, receiver: HubClient, agency_key: SigningKey, tmp_path: Path
) -> None:
    data = document(agency_key, network)
    message_id = sender.submit(data).id
    fetched = receiver.fetch_to(message_id, tmp_path / "in" / "message.edxml")
    assert fetched.path.read_bytes() == data
    assert (fetched.size, fetched.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert [p.name for p in fetched.path.parent.iterdir()] == ["message.edxml"]


def test_a_refused_delivery_is_acknowledged_as_failed_with_its_reason(
    network: Network, sender: HubClient, receiver: HubClient, agency_key: SigningKey
) -> None:
    message_id = sender.submit(document(agency_key, network, to=(network.nghe_an,))).id
    (item,) = receiver.inbox()
    assert receiver.ack(item.delivery_id, done=False, reason="sai địa chỉ").state == "failed"
    (recipient,) = sender.trace(message_id)["recipients"]
    assert (recipient["state"], recipient["reason"]) == ("failed", "sai địa chỉ")


def test_a_status_comes_back_to_the_sender_s_inbox(
    network: Network, sender: HubClient, receiver: HubClient, agency_key: SigningKey
) -> None:
    data = document(agency_key, network, to=(network.nghe_an,))
    message_id = sender.submit(data).id
    (item,) = receiver.inbox()
    receiver.ack(item.delivery_id)
    original = parse(receiver.fetch(message_id)).message
    assert isinstance(original, EdocMessage)
    status = new_status(
        reporter=Organization(network.nghe_an), about=original, code=StatusCode.ACCEPTED
    )
    assert receiver.submit(build(status)).recipients == (network.gov_office,)
    (notice,) = sender.inbox(kind="status")
    assert (notice.kind, notice.from_, notice.to) == ("status", network.nghe_an, network.gov_office)
    (recipient,) = sender.trace(message_id)["recipients"]
    assert [s["status_code"] for s in recipient["statuses"]] == ["03"]


def test_an_outsider_cannot_fetch_a_message_it_is_not_party_to(
    network: Network, sender: HubClient, agency_key: SigningKey
) -> None:
    message_id = sender.submit(document(agency_key, network)).id
    with network.client(network.outsider) as outsider, pytest.raises(HubProblem) as refused:
        outsider.fetch(message_id)
    assert (refused.value.status, refused.value.code) == (404, "not-found")


def test_the_directory_lists_registered_agencies(network: Network, sender: HubClient) -> None:
    found = sender.agencies(q=network.nghe_an)
    assert [(a["code"], a["name"], a["status"]) for a in found] == [
        (network.nghe_an, "UBND tỉnh Nghệ An", "active")
    ]
    everything = sender.agencies()
    assert {network.gov_office, network.ha_noi, network.hue} <= {a["code"] for a in everything}


# --- credentials -----------------------------------------------------------------------------


def test_a_wrong_secret_is_refused_as_unauthorized(network: Network) -> None:
    with (
        HubClient(network.hub.url, network.sender.client_id, "not-the-secret") as client,
        pytest.raises(HubProblem) as refused,
    ):
        client.inbox()
    assert (refused.value.status, refused.value.code) == (401, "unauthorized")
    assert "not-the-secret" not in str(refused.value)


def test_a_revoked_token_is_replaced_by_a_new_one(
    network: Network, hub: Hub, receiver: HubClient
) -> None:
    assert receiver.inbox() == []
    run_in_hub(
        hub.data_dir,
        "from oauth2_provider.models import AccessToken\n"
        "AccessToken.objects.filter("
        f"application__client_id={network.receiver.client_id!r}).delete()\n",
    )
    assert receiver.inbox() == []


# --- a hub that is down, slow or in the way --------------------------------------------------


def test_a_hub_that_stopped_is_unavailable_after_bounded_retries(hub: Hub) -> None:
    with serving(hub.data_dir) as url:
        client = HubClient(url, "id", "secret", retries=3, backoff=0.05, max_backoff=0.1)
        assert client.health() == {"status": "ok"}
    started = time.monotonic()
    with client, pytest.raises(HubUnavailable) as unavailable:
        client.health()
    assert time.monotonic() - started < 2
    assert unavailable.value.retryable
    assert unavailable.value.attempts == 4
    assert url in unavailable.value.message


def test_a_hub_that_comes_back_during_the_retries_answers(
    network: Network, hub: Hub, agency_key: SigningKey
) -> None:
    port = free_port()
    up, finished = threading.Event(), threading.Event()

    def serve_later() -> None:
        with serving(hub.data_dir, port):
            up.set()
            finished.wait(120)

    client = HubClient(
        f"http://127.0.0.1:{port}",
        network.sender.client_id,
        network.sender.client_secret,
        retries=200,  # up to ~50 s for the server to start on a loaded machine
        backoff=0.1,
        max_backoff=0.25,
    )
    server = threading.Thread(target=serve_later)
    server.start()
    try:
        assert not up.is_set()  # the first attempts meet a closed port
        with client:
            accepted = client.submit(document(agency_key, network))
        assert accepted.created
    finally:
        finished.set()
        server.join(30)


class _BusyProxy(httpx.BaseTransport):
    """In front of the real hub: answers 503 (as a load balancer would) to the first requests."""

    def __init__(self, busy_answers: int) -> None:
        self._hub = httpx.HTTPTransport()
        self.busy_answers = busy_answers

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.busy_answers:
            self.busy_answers -= 1
            return httpx.Response(503, headers={"Retry-After": "0"}, content=b"<h1>busy</h1>")
        return self._hub.handle_request(request)

    def close(self) -> None:
        self._hub.close()


def test_a_busy_hub_is_retried_until_it_answers(network: Network, agency_key: SigningKey) -> None:
    proxy = _BusyProxy(busy_answers=3)
    with network.client(network.sender, transport=proxy, retries=3) as client:
        assert client.submit(document(agency_key, network)).created
    assert proxy.busy_answers == 0


def test_a_hub_still_busy_after_the_retries_is_unavailable(network: Network) -> None:
    with (
        network.client(network.sender, transport=_BusyProxy(busy_answers=10), retries=2) as client,
        pytest.raises(HubUnavailable) as unavailable,
    ):
        client.inbox()
    assert unavailable.value.last is not None
    assert (unavailable.value.last.status, unavailable.value.attempts) == (503, 3)


class _TamperingProxy(httpx.BaseTransport):
    """In front of the real hub: changes one byte of every message fetched."""

    def __init__(self) -> None:
        self._hub = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._hub.handle_request(request)
        if request.method != "GET" or not request.url.path.startswith("/api/v1/messages/"):
            return response
        body = bytearray(response.read())
        body[-2] ^= 0x01
        headers = [
            (k, v)
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "transfer-encoding")
        ]
        return httpx.Response(response.status_code, headers=headers, content=bytes(body))

    def close(self) -> None:
        self._hub.close()


def test_bytes_altered_on_the_way_are_refused(
    network: Network, sender: HubClient, agency_key: SigningKey, tmp_path: Path
) -> None:
    message_id = sender.submit(document(agency_key, network)).id
    with network.client(network.receiver, transport=_TamperingProxy()) as client:
        with pytest.raises(ContentMismatch):
            client.fetch(message_id)
        with pytest.raises(ContentMismatch):
            client.fetch_to(message_id, tmp_path / "message.edxml")
    assert list(tmp_path.iterdir()) == []


# --- packaging -------------------------------------------------------------------------------


def test_the_client_does_not_load_django() -> None:
    code = "import lienthong.client, sys; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
