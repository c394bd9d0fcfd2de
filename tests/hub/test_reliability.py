"""The hub keeps its promises when its processes die and its database restarts (DESIGN.md §5).

A real ``lienthong hub serve`` and ``lienthong hub worker`` run on a data directory (SQLite
profile) or a fresh PostgreSQL database (PostgreSQL profile); client SDK threads send and
receive small signed documents while the test kills the processes with SIGKILL at random
moments (seeded: ``LIENTHONG_RELIABILITY_SEED`` replays a run), or restarts PostgreSQL itself.

What must hold afterwards, read straight from the hub's database and payload store:

* every message the hub answered with a receipt (201, or 200 for a repeat) is stored once, with
  its payload and one delivery per recipient of its receipt — nothing lost, nothing duplicated,
  nothing half written;
* every delivery reached its recipient's receiving system, which kept it once and acknowledged
  it; a delivery is handed out again only after its lease ran out;
* an acknowledgement or a submission repeated after a lost answer changes nothing;
* clients never see a 500 or wait forever: a database outage is a 503 ``database-unavailable``
  problem with ``Retry-After``;
* the worker's webhook notifications all go out, and the audit log's hash chain and its signed
  checkpoints verify (``lienthong hub audit verify``).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import random
import shutil
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from lienthong.edxml.signing_key import SigningKey

from ..conftest import missing_service
from ..edxml.pki import Pki
from .conftest import GOV_OFFICE, HA_NOI, HUE, NGHE_AN, document
from .live import Hub, HubProcesses, hub_instance
from .load import (
    CLIENT_TIMEOUT,
    Deadline,
    Ledger,
    Outgoing,
    WebhookSink,
    client,
    configure,
    lease_start,
    messages,
    receive,
    send,
)

SEED = int(os.environ.get("LIENTHONG_RELIABILITY_SEED", "20261125"))
LEASE_SECONDS = 8  # a lease whose answer was lost in a kill comes back this soon
SETTINGS = {
    "LIENTHONG_LEASE_SECONDS": str(LEASE_SECONDS),
    "LIENTHONG_RATE_LIMIT": "0",  # the load is the point, not the per-system limit
}
# Recipients of message i: routes[i % 3]. Nghệ An and Hà Nội are one receiving system (with a
# webhook), Huế another.
ROUTES: tuple[tuple[str, ...], ...] = ((NGHE_AN,), (NGHE_AN, HA_NOI), (HUE,))
WEBHOOK_AGENCIES = {NGHE_AN, HA_NOI}
SENDERS = 4
SERVER_PROCESSES = 2  # ``serve --workers 2``: both cores of the test machine
LOAD_DEADLINE = 300.0  # seconds: past it the load gives up and the test fails, never hangs


@dataclass
class Network:
    """The hub's processes and the systems connected to it."""

    hub: Hub
    processes: HubProcesses
    sender: dict[str, Any]
    receivers: dict[str, dict[str, Any]]  # system name → credentials


@contextmanager
def network(tmp_path: Path, pki: Pki, webhook: str) -> Iterator[Network]:
    """A hub with its agencies, systems and trust anchor, its server and worker running."""
    with hub_instance(tmp_path / "hub", settings=SETTINGS) as hub:
        systems = configure(
            hub,
            agencies={
                GOV_OFFICE: "Văn phòng Chính phủ",
                NGHE_AN: "UBND tỉnh Nghệ An",
                HA_NOI: "UBND thành phố Hà Nội",
                HUE: "UBND thành phố Huế",
            },
            systems={
                "vpcp": ([GOV_OFFICE], ""),
                "tinh": ([NGHE_AN, HA_NOI], webhook),
                "hue": ([HUE], ""),
            },
            trust=pki.root_pem_path,
        )
        sender = systems.pop("vpcp")
        receivers = systems
        processes = HubProcesses(hub, tmp_path, server_processes=SERVER_PROCESSES)
        try:
            processes.start_server()
            processes.start_worker()
            yield Network(hub, processes, sender, receivers)
        finally:
            processes.stop()


@dataclass
class Load:
    """Sender and receiver threads over the client SDK, recording into one ledger."""

    net: Network
    outgoing: list[Outgoing]
    ledger: Ledger = field(default_factory=Ledger)
    deadline: Deadline = field(default_factory=lambda: Deadline(LOAD_DEADLINE))
    stop_receiving: threading.Event = field(default_factory=threading.Event)
    senders: list[threading.Thread] = field(default_factory=list)
    receivers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        base = self.net.processes.base_url
        payloads = {m.sha256: m.data for m in self.outgoing}
        for n in range(SENDERS):
            hub = client(base, self.net.sender, self.ledger)
            share = self.outgoing[n::SENDERS]
            self.senders.append(
                threading.Thread(target=send, args=(hub, share, self.ledger, self.deadline))
            )
        for name, threads in (("tinh", 2), ("hue", 1)):
            for _ in range(threads):
                hub = client(base, self.net.receivers[name], self.ledger)
                work = (hub, name, self.ledger, payloads, self.stop_receiving, self.deadline)
                self.receivers.append(threading.Thread(target=receive, args=work))
        for thread in (*self.senders, *self.receivers):
            thread.daemon = True
            thread.start()

    def sending(self) -> bool:
        return any(thread.is_alive() for thread in self.senders)

    def accepted_count(self) -> int:
        return len(self.ledger.accepted)

    def finish(self) -> None:
        """Wait for the senders, then until every promised delivery has been acknowledged."""
        for thread in self.senders:
            thread.join(self.deadline.remaining())
        while not self.deadline.passed():
            if self.ledger.expected_pairs() <= self.ledger.acked_pairs():
                break
            time.sleep(0.2)
        self.stop_receiving.set()
        for thread in self.receivers:
            thread.join(max(1.0, self.deadline.remaining()))
        assert not self.sending(), "the senders did not finish before the deadline"

    @contextmanager
    def running(self) -> Iterator[Load]:
        """The load runs for the block; whatever happens in it (a failed assertion), no
        thread of it goes on into the next test."""
        self.start()
        try:
            yield self
        finally:
            self.deadline.abort()
            self.stop_receiving.set()
            end = time.monotonic() + 2 * CLIENT_TIMEOUT
            for thread in (*self.senders, *self.receivers):
                thread.join(max(0.0, end - time.monotonic()))


def settle_worker(net: Network, deadline: float = 30.0) -> None:
    """Wait until the worker has sent every notification owed and signed the audit log's tip."""
    hub = net.hub
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        (pending,) = hub.query(
            "SELECT count(*) FROM exchange_notification WHERE state = 'pending'"
        )[0]
        (tip,) = hub.query("SELECT max(seq) FROM audit_auditentry")[0]
        (signed,) = hub.query("SELECT max(seq) FROM audit_auditcheckpoint")[0]
        if pending == 0 and signed == tip:
            return
        time.sleep(0.2)
    raise AssertionError(f"the worker did not settle in {deadline}s:\n{net.processes.logs()}")


def check_everything_promised_is_kept(net: Network, load: Load, sink: WebhookSink) -> None:
    """What the hub promised, against what it stored and what the clients received."""
    ledger, hub = load.ledger, net.hub
    assert ledger.problems == [], ledger.problems[:20]

    # Every message got a receipt, and a repeat got the first one back.
    assert len(ledger.accepted) == len(load.outgoing), "some messages never got a receipt"
    by_id: dict[str, Outgoing] = {}
    for message in load.outgoing:
        answers = ledger.accepted[message.index]
        assert len({(a.id, str(a.receipt)) for a in answers}) == 1, answers
        assert set(answers[0].recipients) == set(message.recipients)
        by_id[answers[0].id] = message

    # Stored once each, whole: the message, its payload (bytes intact), its deliveries.
    stored = {
        str(uuid.UUID(str(row[0]))): row[1]
        for row in hub.query("SELECT id, payload_id FROM exchange_message")
    }
    assert set(stored) == set(by_id), "messages lost, or stored without a receipt"
    for message_id, sha256 in stored.items():
        assert sha256 == by_id[message_id].sha256
    sizes = dict(hub.query("SELECT sha256, size FROM exchange_payload"))
    for message in load.outgoing:
        assert sizes[message.sha256] == len(message.data)
        blob = hub.data_dir / "payloads" / message.sha256[:2] / message.sha256[2:4] / message.sha256
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == message.sha256
    deliveries = hub.query(
        "SELECT d.id, d.message_id, a.code, d.state, d.lease_count FROM exchange_delivery d "
        "JOIN registry_agency a ON a.id = d.recipient_id"
    )
    routed: dict[str, set[str]] = {message_id: set() for message_id in stored}
    for _, message_id, recipient, _, _ in deliveries:
        routed[str(uuid.UUID(str(message_id)))].add(recipient)
    assert routed == {i: set(m.recipients) for i, m in by_id.items()}
    assert len(deliveries) == sum(len(m.recipients) for m in load.outgoing)

    # Every delivery reached its recipient's system, was kept once and acknowledged.
    states = Counter(row[3] for row in deliveries)
    assert states == {"delivered": len(deliveries)}, states
    delivery_ids = {str(uuid.UUID(str(row[0]))) for row in deliveries}
    assert set(ledger.sightings) == delivery_ids
    assert set(ledger.kept) == delivery_ids
    for delivery_id in delivery_ids:
        answers = ledger.acked[delivery_id]
        assert answers and set(answers) == {"delivered"}, (delivery_id, answers)
        leases = sorted(ledger.sightings[delivery_id], key=lambda s: s.item.lease_until or 0)
        assert {s.system for s in leases} == {"hue" if leases[0].item.to == HUE else "tinh"}
        for earlier, later in itertools.pairwise(leases):
            # Handed out again only because the earlier lease ran out unacknowledged.
            assert earlier.item.lease_until is not None
            assert lease_start(later, LEASE_SECONDS) >= earlier.item.lease_until

    # Each change audited once — a repeated submission or acknowledgement adds nothing —
    # and the chain with its signed checkpoints verifies.
    actions = dict(hub.query("SELECT action, count(*) FROM audit_auditentry GROUP BY action"))
    assert actions.get("message.accepted") == len(stored)
    assert actions.get("delivery.delivered") == len(deliveries)
    verified = hub.ok("audit", "verify")
    assert verified["ok"] is True, verified
    assert verified["checkpoints"] >= 1

    # The worker told the webhook system of each of its messages, at least once.
    notifications = Counter(row[0] for row in hub.query("SELECT state FROM exchange_notification"))
    owed = {i for i, m in by_id.items() if WEBHOOK_AGENCIES & set(m.recipients)}
    assert notifications == {"sent": len(owed)}, notifications
    assert set(sink.notified) == owed


# --- kill -9 under load ------------------------------------------------------------------------

KILL_MESSAGES = int(os.environ.get("LIENTHONG_RELIABILITY_MESSAGES", "2000"))
SERVER_KILLS = 5
WORKER_KILLS = 4


def test_nothing_accepted_is_lost_when_the_hub_and_its_worker_are_killed_under_load(
    tmp_path: Path, pki: Pki, agency_key: SigningKey
) -> None:
    rng = random.Random(SEED)
    outgoing = messages(agency_key, KILL_MESSAGES, ROUTES, prefix="K")
    # The kill plan, drawn before the load: which process dies, when (after how many receipts,
    # then a random fraction of a second) and for how long. A server kill takes the worker
    # down with it half the time; the other worker kills happen on their own.
    targets = ["server"] * SERVER_KILLS + ["worker"] * WORKER_KILLS
    rng.shuffle(targets)
    moments = sorted(rng.sample(range(KILL_MESSAGES // 20, KILL_MESSAGES * 4 // 5), len(targets)))
    with (
        WebhookSink() as sink,
        network(tmp_path, pki, sink.url) as net,
        Load(net, outgoing).running() as load,
    ):
        processes = net.processes
        started = time.monotonic()
        for target, moment in zip(targets, moments, strict=True):
            while load.accepted_count() < moment and load.sending():
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.3))
            both = target == "server" and rng.random() < 0.5
            if target == "server":
                processes.kill_server()
            if target == "worker" or both:
                processes.kill_worker()
            time.sleep(rng.uniform(0.0, 0.5))  # dead for a moment
            if target == "server":
                processes.start_server()
            if target == "worker" or both:
                processes.start_worker()
        killed_while_sending = load.sending()
        load.finish()
        elapsed = time.monotonic() - started
        settle_worker(net)
        processes.stop()
        print(
            f"seed {SEED}: {len(outgoing)} messages in {elapsed:.1f}s, kills {processes.kills} "
            f"({processes.restart_seconds:.1f}s restarting the server), {load.ledger.summary()}"
        )

        assert killed_while_sending, "the load ended before the last kill: no test of it"
        assert processes.kills.count("server") == SERVER_KILLS
        assert processes.kills.count("worker") >= WORKER_KILLS
        # The kills cut requests in flight, and the clients got through them by retrying.
        assert sum(load.ledger.transport_errors.values()) > 0
        assert load.ledger.transport_errors["ReadTimeout"] == 0, "a client waited for nothing"
        # Every answer the clients got was a receipt: a kill costs retries, never a refusal.
        assert set(load.ledger.statuses) <= {200, 201}, load.ledger.summary()
        assert not load.ledger.refusals, load.ledger.summary()
        check_everything_promised_is_kept(net, load, sink)


# --- PostgreSQL restart under load ---------------------------------------------------------------

RESTART_MESSAGES = int(os.environ.get("LIENTHONG_RELIABILITY_RESTART_MESSAGES", "500"))
DOWN_SECONDS = 3.0


def _cluster() -> list[str]:
    """``pg_ctlcluster`` for the local cluster the suite's PostgreSQL runs in."""
    host = urlsplit(os.environ["LIENTHONG_DATABASE_URL"]).hostname or "127.0.0.1"
    if host not in ("127.0.0.1", "localhost", "::1"):
        missing_service(f"PostgreSQL on {host} is not this machine's: it cannot be restarted")
    if shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir():
        missing_service("restarting PostgreSQL needs a local cluster run by pg_ctlcluster")
    versions = sorted(os.listdir("/etc/postgresql"))
    if not versions:
        missing_service("no PostgreSQL cluster in /etc/postgresql")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"]


def _pg(cluster: list[str], action: str, *options: str) -> None:
    done = subprocess.run(
        [*cluster, action, *options], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"pg_ctlcluster {action}: {done.stdout}{done.stderr}"


def _pg_ready(timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready = subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432", "-t", "2"], check=False
        )
        if ready.returncode == 0:
            return True
        time.sleep(0.2)
    return False


@contextmanager
def postgresql_stopped(cluster: list[str]) -> Iterator[None]:
    """PostgreSQL down for the block; up again afterwards, whatever happened in it (the tests
    after this one need it, and so does dropping this test's database)."""
    _pg(cluster, "stop", "-m", "fast")
    try:
        yield
    finally:
        _pg(cluster, "start")
        assert _pg_ready(), "PostgreSQL did not come back"
        from django.db import connections

        connections.close_all()  # this test process's own connections died with the server


@pytest.mark.postgres
@pytest.mark.postgresql_profile  # the SQLite profile has no database server to restart
def test_a_postgresql_restart_under_load_is_a_clear_retryable_error_and_loses_nothing(
    tmp_path: Path, pki: Pki, agency_key: SigningKey
) -> None:
    cluster = _cluster()
    outgoing = messages(agency_key, RESTART_MESSAGES, ROUTES, prefix="R")
    probe_documents = iter(
        document(agency_key, to=(NGHE_AN,), number=f"P{i}", subject="Trong lúc CSDL dừng")
        for i in range(1000)
    )
    answers_while_down: list[httpx.Response] = []
    with (
        WebhookSink() as sink,
        network(tmp_path, pki, sink.url) as net,
        httpx.Client(base_url=f"{net.processes.base_url}/api/v1", timeout=15.0) as probe,
        Load(net, outgoing).running() as load,
    ):
        processes = net.processes
        credentials = (net.sender["client_id"], net.sender["client_secret"])
        token = probe.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials
        ).json()["access_token"]
        probe.headers["Authorization"] = f"Bearer {token}"
        while load.accepted_count() < len(outgoing) // 4 and load.sending():
            time.sleep(0.05)
        assert load.sending(), "the load ended before PostgreSQL was restarted"
        server_pid = processes.server.pid if processes.server else None
        with postgresql_stopped(cluster):
            # Every kind of call, again and again while the database is down; a database
            # outage is answered within the probe's timeout, never waited out.
            down_until = time.monotonic() + DOWN_SECONDS
            while time.monotonic() < down_until:
                answers_while_down += [
                    probe.post(
                        "/messages",
                        content=next(probe_documents),
                        headers={"Content-Type": "application/xml"},
                    ),
                    probe.get("/inbox"),
                    probe.post(f"/inbox/{uuid.uuid4()}/ack", json={"result": "done"}),
                    probe.post(
                        "/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials
                    ),
                ]
                time.sleep(0.1)
        load.finish()
        settle_worker(net)
        still_serving = processes.server is not None and processes.server.poll() is None
        worker_alive = processes.worker is not None and processes.worker.poll() is None
        processes.stop()
        print(
            f"{len(outgoing)} messages, {len(answers_while_down)} probes while down, "
            f"{load.ledger.summary()}"
        )

        # While the database was down, every call got a clear, retryable answer.
        assert answers_while_down
        for response in answers_while_down:
            assert response.status_code == 503, (response.request.url, response.text)
            assert response.headers["Content-Type"] == "application/problem+json"
            problem = response.json()
            assert problem["code"] == "database-unavailable", problem
            assert problem["type"].endswith("/database-unavailable")
            assert int(response.headers["Retry-After"]) > 0
            assert "Traceback" not in response.text
        # The load's clients saw the same, retried, and never a 500.
        assert load.ledger.statuses[503] > 0
        assert set(load.ledger.statuses) <= {200, 201, 503}, load.ledger.summary()
        assert set(load.ledger.refusals) == {(503, "database-unavailable")}
        # The same server and worker went on once the database was back: no restart needed.
        assert still_serving and processes.server is not None
        assert processes.server.pid == server_pid
        assert worker_alive, processes.logs()
        check_everything_promised_is_kept(net, load, sink)
