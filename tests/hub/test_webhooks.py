"""Webhooks: signed, retried with backoff, given up after the limit — against a real HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from lienthong.edxml.signing_key import SigningKey
from lienthong.hub.exchange import webhooks
from lienthong.hub.exchange.models import Notification
from lienthong.hub.registry import services as registry

from .conftest import NGHE_AN, Caller, Network, document, token_for


@dataclass
class Receiver:
    """A document system's webhook endpoint: records calls, answers with the queued statuses."""

    url: str
    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.calls.append(({k: v for k, v in self.headers.items()}, body))
            self.send_response(state.answers.pop(0) if state.answers else 204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def hooked(network: Network, receiver: Receiver) -> tuple[Network, str]:
    """A second system for Nghệ An with a webhook; returns its webhook secret."""
    created = registry.add_system("tinh-webhook", [NGHE_AN], webhook_url=receiver.url)
    Caller(Client(), token_for(created.client_id, created.client_secret))
    return network, created.webhook_secret


def test_a_submission_notifies_the_recipient_system_with_a_signed_body(
    hooked: tuple[Network, str], receiver: Receiver, agency_key: SigningKey
) -> None:
    network, secret = hooked
    message_id = network.sender.submit(document(agency_key)).json()["id"]
    outcome = webhooks.deliver_due(webhooks.http_poster(), max_attempts=5)
    assert outcome == {"sent": 1, "retry": 0, "dead": 0}
    [(headers, body)] = receiver.calls
    assert json.loads(body)["message_id"] == message_id
    assert json.loads(body)["recipients"] == [NGHE_AN]
    expected = hmac.new(
        secret.encode(), headers["X-Lienthong-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Lienthong-Signature"] == f"sha256={expected}"


def test_a_failing_endpoint_is_retried_later_then_settled(
    hooked: tuple[Network, str], receiver: Receiver, agency_key: SigningKey
) -> None:
    network, _ = hooked
    receiver.answers = [503]
    network.sender.submit(document(agency_key))
    assert webhooks.deliver_due(webhooks.http_poster(), max_attempts=5)["retry"] == 1
    notification = Notification.objects.get()
    assert notification.state == "pending" and notification.last_error == "HTTP 503"
    assert webhooks.deliver_due(webhooks.http_poster(), max_attempts=5)["sent"] == 0  # not yet due
    Notification.objects.update(next_attempt_at=notification.created_at)
    assert webhooks.deliver_due(webhooks.http_poster(), max_attempts=5)["sent"] == 1


def test_an_endpoint_that_keeps_failing_is_given_up(
    hooked: tuple[Network, str], receiver: Receiver, agency_key: SigningKey
) -> None:
    network, _ = hooked
    receiver.answers = [500, 500, 500]
    network.sender.submit(document(agency_key))
    for _ in range(3):
        Notification.objects.update(next_attempt_at=Notification.objects.get().created_at)
        webhooks.deliver_due(webhooks.http_poster(), max_attempts=3)
    assert Notification.objects.get().state == "dead"
    # Visible to operators: in /metrics, and in the console's list of notifications.
    metrics = Client(REMOTE_ADDR="127.0.0.1").get("/api/v1/metrics").content.decode()
    assert 'lienthong_webhook_notifications{state="dead"} 1.0' in metrics
    assert 'lienthong_webhook_notifications{state="pending"} 0.0' in metrics
    operator = get_user_model().objects.create_superuser("truc.ban", password="x-Strong-9-pass")
    console = Client()
    console.force_login(operator)
    page = console.get("/admin/exchange/notification/", {"state__exact": "dead"})
    assert page.status_code == 200
    (row,) = re.findall(r'href="(/admin/exchange/notification/\d+/change/)', page.content.decode())
    detail = console.get(row).content.decode()
    assert "tinh-webhook" in detail and "500" in detail  # whose, and why it was given up


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    import random

    rng = random.Random(7)
    delays = [webhooks.backoff(n, rng=rng) for n in (1, 2, 3, 4, 30)]
    assert (
        1 <= delays[0] <= 2 and 2 <= delays[1] <= 4 and 4 <= delays[2] <= 8 and 8 <= delays[3] <= 16
    )
    assert delays[4] <= webhooks.BACKOFF_CAP_SECONDS


def test_the_worker_pass_sends_what_is_due(
    hooked: tuple[Network, str], receiver: Receiver, agency_key: SigningKey
) -> None:
    import logging

    from lienthong.hub import server

    network, _ = hooked
    network.sender.submit(document(agency_key))
    server._housekeeping(logging.getLogger("test"), webhooks.http_poster())
    assert len(receiver.calls) == 1
    assert Notification.objects.get().state == "sent"
