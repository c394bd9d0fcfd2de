"""The hub under load: 8 concurrent clients submit signed 100 KB edXML to a real server, on the
SQLite and PostgreSQL profiles; in the same run, RabbitMQ doing the plain broker's job (durable
queue, persistent messages, publisher confirms, 8 publishers, one consumer, same payload).

Every number comes from real processes on this machine: the hub is `lienthong hub serve`, the
clients are `lienthong.client.HubClient`s in their own processes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from lienthong.client import HubClient
from lienthong.edxml import Organization, build
from lienthong.edxml.compose import NewFile, new_edoc
from lienthong.edxml.dsig import sign
from lienthong.edxml.model import Code

from .edxml_bench import make_keys

CLIENTS = 8
MESSAGES = 800
SENDER = "000.00.00.G22"
RECIPIENTS = ("000.00.00.H41", "000.00.00.H42")
FAN_OUT = 1000
PG_ADMIN = os.environ.get(
    "LIENTHONG_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    env["LIENTHONG_DATA_DIR"] = str(data_dir)
    env["LIENTHONG_RATE_LIMIT"] = "0"
    env["LIENTHONG_REVOCATION"] = "soft-fail"
    if database_url:
        env["LIENTHONG_DATABASE_URL"] = database_url
    return env


_SETUP = """
import json, sys
from lienthong.hub import server
server.setup_django()
from lienthong.hub.registry import services as r
from lienthong.hub.registry.models import Agency
spec = json.loads(sys.stdin.read())
r.add_trust_anchor(spec["root"].encode())
for code in [spec["sender"], *spec["recipients"]]:
    r.add_agency(code, "Cơ quan " + code)
Agency.objects.bulk_create(
    Agency(code=c, name="Xã " + c, level=4) for c in spec["fan_out"]
)
out = {}
out["sender"] = r.add_system("bench-sender", [spec["sender"]])
out["receiver"] = r.add_system("bench-receiver", [*spec["recipients"], *spec["fan_out"]])
print(json.dumps({k: [v.client_id, v.client_secret] for k, v in out.items()}))
"""


@contextmanager
def running_hub(database_url: str | None, root_pem: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """A migrated, registered hub served by `lienthong hub serve` (2 workers) on loopback."""
    with tempfile.TemporaryDirectory() as folder:
        env = _env(Path(folder), database_url)
        run = [sys.executable, "-m", "lienthong"]
        subprocess.run([*run, "hub", "migrate"], env=env, check=True, capture_output=True)
        spec = {
            "root": root_pem,
            "sender": SENDER,
            "recipients": list(RECIPIENTS),
            "fan_out": [
                f"{n % 1000:03d}.{n // 1000 + 1:02d}.99.H99" for n in range(1, FAN_OUT + 1)
            ],
        }
        registered = subprocess.run(
            [sys.executable, "-c", _SETUP], env=env, input=json.dumps(spec), text=True,
            capture_output=True, check=True,
        )  # fmt: skip
        credentials = json.loads(registered.stdout)
        port = _free_port()
        process = subprocess.Popen(
            [*run, "hub", "serve", "--port", str(port), "--workers", "2"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            credentials["fan_out_codes"] = spec["fan_out"]
            yield base, credentials
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def fresh_postgres() -> Iterator[str]:
    import psycopg

    name = f"lienthong_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_messages(count: int, recipients: tuple[str, ...] = RECIPIENTS) -> list[bytes]:
    key, _ = make_keys_cached()
    payload = os.urandom(72_000)  # ≈ 100 KB of edXML once base64-encoded and signed
    messages = []
    for n in range(count):
        message = new_edoc(
            sender=Organization(SENDER, organ_name="Văn phòng Chính phủ"),
            recipients=[Organization(code) for code in recipients],
            subject=f"Văn bản đo tải số {n}",
            code=Code(str(n + 1), "VPCP-BENCH"),
            files=[NewFile("van-ban.pdf", "application/pdf", payload)],
        )
        messages.append(sign(build(message), key))
    return messages


_KEYS: list[Any] = []


def make_keys_cached() -> Any:
    if not _KEYS:
        _KEYS.append(make_keys())
    return _KEYS[0]


def _submit_all(args: tuple[str, str, str, list[bytes]]) -> list[float]:
    base, client_id, secret, messages = args
    latencies = []
    with HubClient(base, client_id, secret, timeout=60) as client:
        for data in messages:
            started = time.perf_counter()
            client.submit(data)
            latencies.append(time.perf_counter() - started)
    return latencies


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure_hub(base: str, credentials: dict[str, Any], messages: list[bytes]) -> dict[str, Any]:
    sender_id, sender_secret = credentials["sender"]
    chunks = [messages[i::CLIENTS] for i in range(CLIENTS)]
    # warm up: the token, the verdict cache, the connection pools
    _submit_all((base, sender_id, sender_secret, make_messages_offset(1, 500_000)))
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(CLIENTS) as pool:
        results = pool.map(_submit_all, [(base, sender_id, sender_secret, c) for c in chunks])
    elapsed = time.perf_counter() - started
    latencies = [x for chunk in results for x in chunk]
    receiver = HubClient(base, *credentials["receiver"], timeout=60)
    visible = _visible_latency(base, credentials, receiver)
    fan_out = _fan_out(base, credentials)
    receiver.close()
    return {
        "documents_per_s": round(len(messages) / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 0.5) * 1000, 1),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
        "visible_p50_ms": visible,
        "fan_out_1000_s": fan_out,
    }


def _visible_latency(base: str, credentials: dict[str, Any], receiver: HubClient) -> float:
    """Submit one at a time; time until the receiver's inbox shows it (median of 20)."""
    while receiver.inbox(limit=500):  # drain what the load left
        pass
    sender = HubClient(base, *credentials["sender"], timeout=60)
    samples = []
    for data in make_messages_offset(20, 100_000):
        started = time.perf_counter()
        accepted = sender.submit(data)
        while not any(i.message_id == accepted.id for i in receiver.inbox(limit=10)):
            pass
        samples.append(time.perf_counter() - started)
    sender.close()
    return round(statistics.median(samples) * 1000, 1)


def make_messages_offset(
    count: int, offset: int, recipients: tuple[str, ...] = RECIPIENTS
) -> list[bytes]:
    key, _ = make_keys_cached()
    out = []
    for n in range(offset, offset + count):
        message = new_edoc(
            sender=Organization(SENDER),
            recipients=[Organization(code) for code in recipients],
            subject=f"Văn bản {n}",
            code=Code(str(n), "VPCP-BENCH"),
            files=[NewFile("van-ban.pdf", "application/pdf", b"%PDF-1.7 " * 100)],
        )
        out.append(sign(build(message), key))
    return out


def _fan_out(base: str, credentials: dict[str, Any]) -> float:
    """One directive to 1,000 communes: time to accept it (one transaction, 1,000 deliveries)."""
    [data] = make_messages_offset(1, 900_000, tuple(credentials["fan_out_codes"]))
    sender = HubClient(base, *credentials["sender"], timeout=120)
    started = time.perf_counter()
    accepted = sender.submit(data)
    elapsed = time.perf_counter() - started
    sender.close()
    assert len(accepted.recipients) == FAN_OUT
    return round(elapsed, 2)


# --- the baseline: RabbitMQ ----------------------------------------------------------------------


def _publish_all(args: tuple[str, list[bytes]]) -> int:
    import pika

    queue, messages = args
    connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", 5672))
    channel = connection.channel()
    channel.confirm_delivery()
    for data in messages:
        channel.basic_publish(
            "", queue, data, pika.BasicProperties(delivery_mode=2), mandatory=True
        )
    connection.close()
    return len(messages)


def measure_rabbitmq(messages: list[bytes]) -> dict[str, Any]:
    import pika

    queue = f"lienthong-bench-{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", 5672))
    channel = connection.channel()
    channel.queue_declare(queue, durable=True)
    chunks = [messages[i::CLIENTS] for i in range(CLIENTS)]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(CLIENTS) as pool:
        published = sum(pool.map(_publish_all, [(queue, c) for c in chunks]))
    publish_elapsed = time.perf_counter() - started
    consumed = 0
    for method, _props, _body in channel.consume(queue, inactivity_timeout=5):
        if method is None:
            break
        channel.basic_ack(method.delivery_tag)
        consumed += 1
        if consumed == published:
            break
    channel.cancel()
    total_elapsed = time.perf_counter() - started
    channel.queue_delete(queue)
    connection.close()
    return {
        "published_per_s": round(published / publish_elapsed, 1),
        "end_to_end_per_s": round(consumed / total_elapsed, 1),
    }


def run() -> dict[str, Any]:
    from cryptography.hazmat.primitives.serialization import Encoding

    _, policy = make_keys_cached()
    root_pem = policy.anchors[0].public_bytes(Encoding.PEM).decode()
    messages = make_messages(MESSAGES)
    results: dict[str, Any] = {"messages": MESSAGES, "bytes": len(messages[0])}
    results["rabbitmq"] = measure_rabbitmq(messages)
    with running_hub(None, root_pem) as (base, credentials):
        results["sqlite"] = measure_hub(base, credentials, messages)
    with fresh_postgres() as url, running_hub(url, root_pem) as (base, credentials):
        results["postgresql"] = measure_hub(base, credentials, messages)
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
