"""Load for the reliability tests: sender and receiver threads using the client SDK against a
real hub, and a ledger of everything the clients were told.

The clients behave as the contract asks a connected system to (DESIGN.md §5): a submission that
ended without an answer is submitted again, byte for byte, until the hub answers; a receiver
leases its inbox, fetches each message, keeps it once per delivery (by id: delivery is at least
once) and acknowledges it, repeating the acknowledgement until the hub answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from lienthong.client import HubClient, HubProblem, HubUnavailable
from lienthong.client.results import Accepted, InboxItem
from lienthong.edxml.signing_key import SigningKey

from .conftest import document
from .live import Hub

# The SDK's own retries, tuned to a hub that comes back within seconds; past them the load's
# loops go on trying (with the same bytes) until their deadline.
CLIENT_RETRIES = 6
CLIENT_BACKOFF = 0.1
CLIENT_MAX_BACKOFF = 1.0
CLIENT_TIMEOUT = 20.0  # no answer within this is a hang, counted as such
INBOX_BATCH = 20  # deliveries leased at once: each fetched and acknowledged well within its lease
IDLE_POLL = 0.5  # seconds before asking an empty inbox again (each ask is a write on the hub)


_CONFIGURE = """
import json, sys
from pathlib import Path
from lienthong.hub import server
server.setup_django()
from lienthong.hub.registry import services
spec = json.load(sys.stdin)
for code, name in spec["agencies"].items():
    services.add_agency(code, name)
services.add_trust_anchor(Path(spec["trust"]).read_bytes())
created = {}
for name, (codes, webhook) in spec["systems"].items():
    new = services.add_system(name, codes, webhook_url=webhook)
    created[name] = {"client_id": new.client_id, "client_secret": new.client_secret}
print(json.dumps(created))
"""


def configure(
    hub: Hub,
    *,
    agencies: dict[str, str],
    systems: dict[str, tuple[list[str], str]],
    trust: Path,
) -> dict[str, dict[str, str]]:
    """Register agencies, connected systems (name → agency codes, webhook URL) and a trust
    anchor through the registry's services, as ``lienthong hub agency|system|trust add`` do,
    in one process rather than one per command; the systems' credentials, by name."""
    done = subprocess.run(
        [sys.executable, "-c", _CONFIGURE],
        input=json.dumps({"agencies": agencies, "systems": systems, "trust": str(trust)}),
        capture_output=True,
        text=True,
        env=hub.env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    created: dict[str, dict[str, str]] = json.loads(done.stdout)
    return created


@dataclass(frozen=True)
class Outgoing:
    """One message to send: its signed bytes and where it must arrive."""

    index: int
    data: bytes
    recipients: tuple[str, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def messages(
    key: SigningKey, count: int, routes: Sequence[tuple[str, ...]], *, prefix: str
) -> list[Outgoing]:
    """``count`` small signed documents, each with its own number, sent along ``routes`` in
    turn (the recipients of message i are ``routes[i % len(routes)]``)."""
    return [
        Outgoing(
            i,
            document(
                key,
                to=routes[i % len(routes)],
                number=f"{prefix}{i}",
                subject=f"Tải thử {prefix}{i}",
            ),
            routes[i % len(routes)],
        )
        for i in range(count)
    ]


@dataclass(frozen=True)
class Sighting:
    """A delivery handed to a receiver by ``GET /inbox``."""

    system: str
    item: InboxItem
    seen_at: float


class Ledger:
    """What every client was told by the hub, recorded as it happened (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.accepted: dict[int, list[Accepted]] = defaultdict(list)  # by Outgoing.index
        self.statuses: Counter[int] = Counter()  # every HTTP status any client received
        self.refusals: Counter[tuple[int, str]] = Counter()  # (status, problem code) of 5xx
        self.transport_errors: Counter[str] = Counter()
        self.sightings: dict[str, list[Sighting]] = defaultdict(list)  # by delivery id
        self.kept: set[str] = set()  # deliveries a receiver kept (registered), by id
        self.acked: dict[str, list[str]] = defaultdict(list)  # delivery id → states answered
        self.problems: list[str] = []  # what a client must never see

    def answer(self, status: int, code: str = "") -> None:
        with self._lock:
            self.statuses[status] += 1
            if status >= 500:
                self.refusals[(status, code)] += 1

    def transport_error(self, name: str) -> None:
        with self._lock:
            self.transport_errors[name] += 1

    def submitted(self, outgoing: Outgoing, accepted: Accepted) -> None:
        with self._lock:
            self.accepted[outgoing.index].append(accepted)

    def saw(self, system: str, item: InboxItem) -> None:
        """Record a delivery handed to ``system`` by ``GET /inbox``."""
        with self._lock:
            self.sightings[item.delivery_id].append(Sighting(system, item, time.time()))

    def claim(self, delivery_id: str) -> bool:
        """True the first time a delivery is handed out: keep it then, and only then (a
        receiver removes duplicates by id, as the dms does)."""
        with self._lock:
            first = delivery_id not in self.kept
            self.kept.add(delivery_id)
            return first

    def ack(self, delivery_id: str, state: str) -> None:
        with self._lock:
            self.acked[delivery_id].append(state)

    def problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)

    def summary(self) -> str:
        with self._lock:
            return (
                f"answers {dict(self.statuses)}, 5xx {dict(self.refusals)}, "
                f"cut {dict(self.transport_errors)}, "
                f"handed out again {sum(len(seen) > 1 for seen in self.sightings.values())}"
            )

    def acked_pairs(self) -> set[tuple[str, str]]:
        """(message id, recipient) of every delivery acknowledged as delivered."""
        with self._lock:
            return {
                (seen[0].item.message_id, seen[0].item.to)
                for delivery, seen in self.sightings.items()
                if "delivered" in self.acked.get(delivery, [])
            }

    def expected_pairs(self) -> set[tuple[str, str]]:
        """(message id, recipient) of every delivery the hub promised in a receipt."""
        with self._lock:
            return {
                (answers[0].id, recipient)
                for answers in self.accepted.values()
                for recipient in answers[0].recipients
            }


class _Observed(httpx.HTTPTransport):
    """The real HTTP transport, noting every answer's status and every failure to get one."""

    def __init__(self, ledger: Ledger) -> None:
        super().__init__()
        self.ledger = ledger

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = super().handle_request(request)
        except httpx.TransportError as exc:
            self.ledger.transport_error(type(exc).__name__)
            raise
        code = ""
        if response.status_code >= 500:  # read now to say which; the client reads it again
            try:
                code = str(json.loads(response.read()).get("code", ""))
            except ValueError:
                code = "(not a problem document)"
        self.ledger.answer(response.status_code, code)
        return response


def client(base_url: str, credentials: dict[str, Any], ledger: Ledger) -> HubClient:
    return HubClient(
        base_url,
        credentials["client_id"],
        credentials["client_secret"],
        timeout=CLIENT_TIMEOUT,
        transport=_Observed(ledger),
        retries=CLIENT_RETRIES,
        backoff=CLIENT_BACKOFF,
        max_backoff=CLIENT_MAX_BACKOFF,
    )


class Deadline:
    """When the load gives up: at a set time, or at once when aborted (a failing test stops
    its load, so no thread outlives it)."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self._aborted = threading.Event()

    def passed(self) -> bool:
        return self._aborted.is_set() or time.monotonic() > self.at

    def remaining(self) -> float:
        return 0.0 if self._aborted.is_set() else max(0.0, self.at - time.monotonic())

    def abort(self) -> None:
        self._aborted.set()


def _persist(call: Callable[[], Any], deadline: Deadline, ledger: Ledger, what: str) -> Any:
    """Call until the hub answers (the SDK retries inside; this outlasts a longer outage)."""
    while True:
        try:
            return call()
        except HubUnavailable as exc:
            if deadline.passed():
                ledger.problem(f"{what}: still unavailable at the deadline: {exc}")
                return None
            time.sleep(0.2)
        except HubProblem as exc:
            ledger.problem(f"{what}: refused: {exc}")
            return None


def send(hub: HubClient, outgoing: Sequence[Outgoing], ledger: Ledger, deadline: Deadline) -> None:
    """Submit each message until the hub answers with a receipt."""
    for message in outgoing:
        accepted = _persist(
            lambda m=message: hub.submit(m.data), deadline, ledger, f"submit #{message.index}"
        )
        if accepted is None:
            return
        ledger.submitted(message, accepted)


def receive(
    hub: HubClient,
    system: str,
    ledger: Ledger,
    payloads: dict[str, bytes],
    stop: threading.Event,
    deadline: Deadline,
) -> None:
    """Lease, fetch, keep once, acknowledge; until ``stop`` is set."""
    while not stop.is_set() and not deadline.passed():
        items = _persist(
            lambda: hub.inbox(kind="edoc", limit=INBOX_BATCH), deadline, ledger, "inbox"
        )
        if not items:
            time.sleep(IDLE_POLL)
            continue
        for item in items:
            ledger.saw(system, item)
        for item in items:
            if ledger.claim(item.delivery_id):
                data = _persist(lambda i=item: hub.fetch(i.message_id), deadline, ledger, "fetch")
                if data is not None and payloads.get(item.sha256) != data:
                    ledger.problem(f"{item.message_id}: fetched bytes are not the ones sent")
            answered = _persist(
                lambda i=item: hub.ack(i.delivery_id), deadline, ledger, f"ack {item.delivery_id}"
            )
            if answered is not None:
                ledger.ack(item.delivery_id, answered.state)


def lease_start(sighting: Sighting, lease_seconds: int) -> dt.datetime:
    """When the hub leased the delivery (its ``lease_until`` less the lease time)."""
    assert sighting.item.lease_until is not None
    return sighting.item.lease_until - dt.timedelta(seconds=lease_seconds)


@dataclass
class WebhookSink:
    """A connected system's webhook endpoint on loopback: records what the worker told it."""

    notified: Counter[str] = field(default_factory=Counter)  # message id → notifications
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def __enter__(self) -> WebhookSink:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with sink._lock:
                    sink.notified[str(body["message_id"])] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
