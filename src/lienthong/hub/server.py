"""Running the hub as a process: Django set up for a command, the database checked, uvicorn.

Nothing here is imported by the edXML tools: Django is set up only when a hub command runs, so
``lienthong edxml …`` stays fast and Django-free. Problems of the environment (database not
reachable or not migrated, bad settings) become :class:`HubUnavailable` errors, which the CLI
reports with exit code 2 and the HTTP API would answer with 503.
"""

from __future__ import annotations

import ipaddress
import logging
import signal
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lienthong import sitedb, siteserver
from lienthong.hub.errors import HubError

if TYPE_CHECKING:
    from lienthong.hub.exchange.webhooks import Poster

SETTINGS_MODULE = "lienthong.sites.hub.settings"
ASGI_APPLICATION = "lienthong.sites.hub.asgi:application"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class HubUnavailable(HubError):
    """The hub cannot work in this environment; the operator must fix it, not the input."""

    code = "hub-unavailable"
    status = 503


class DatabaseUnavailable(HubUnavailable):
    code = "database-unavailable"


class DatabaseNotMigrated(HubUnavailable):
    code = "database-not-migrated"


class HubMisconfigured(HubUnavailable):
    code = "hub-misconfigured"


def setup_django() -> None:
    """Configure Django for the hub site in this process (once; later calls do nothing)."""
    siteserver.setup_django(SETTINGS_MODULE, misconfigured=HubMisconfigured)


def environment_errors() -> AbstractContextManager[None]:
    """Turn Django's database and configuration failures into :class:`HubUnavailable`."""
    return siteserver.environment_errors(
        misconfigured=HubMisconfigured, unavailable=DatabaseUnavailable
    )


describe_database = sitedb.describe_database


def pending_migrations() -> list[str]:
    """The migrations not applied yet, in the order ``migrate`` would apply them."""
    with environment_errors():
        return sitedb.pending_migrations()


def require_migrated() -> None:
    """Refuse to work on a database that ``lienthong hub migrate`` has not prepared."""
    missing = sitedb.missing_sqlite_file()
    if missing:
        raise DatabaseNotMigrated(
            f"there is no hub database at {missing}; run `lienthong hub migrate` with this "
            "LIENTHONG_DATA_DIR first (or point LIENTHONG_DATA_DIR at the hub's data)"
        )
    pending = pending_migrations()
    if pending:
        raise DatabaseNotMigrated(
            f"the {describe_database()} is not migrated ({len(pending)} migration(s) pending); "
            "run `lienthong hub migrate` with the same LIENTHONG_DATA_DIR and "
            "LIENTHONG_DATABASE_URL first"
        )


def hub_directory() -> Path:
    """Where the hub keeps its own key and certificate (``LIENTHONG_DATA_DIR/hub``)."""
    from django.conf import settings

    return Path(settings.LIENTHONG.data_dir) / "hub"


def ensure_hub_identity() -> Path:
    """Make the hub's receipt-signing key and certificate now, once, before any server worker
    could race to make them; return the certificate's path (the one receivers verify with)."""
    from lienthong.hub.exchange.receipts import hub_identity

    directory = hub_directory()
    hub_identity(directory)
    return directory / "hub-cert.pem"


@dataclass(frozen=True)
class Migrated:
    applied: list[str]
    database: str
    hub_certificate: Path


def migrate() -> Migrated:
    """Bring the database to the current schema (idempotent) and make the hub's identity."""
    from django.core.management import call_command

    pending = pending_migrations()
    with environment_errors():
        if pending:
            call_command("migrate", interactive=False, verbosity=0)
    return Migrated(pending, describe_database(), ensure_hub_identity())


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(host: str, port: int, *, workers: int = 1, access_log: bool = True) -> None:
    """Run the hub's ASGI application under uvicorn until SIGTERM or SIGINT (graceful stop)."""
    from . import logs

    siteserver.serve(
        ASGI_APPLICATION,
        host,
        port,
        workers=workers,
        # Named, not "auto": with the pure-Python h11 parser every keep-alive request paid
        # ≈40 ms (measured; docs/benchmarks.md). A hub without them should fail to start.
        http="httptools",
        loop="uvloop",
        access_log=access_log,
        log_config=logs.config(),  # JSON lines, in every worker process
    )


def run_worker(*, interval: float, once: bool = False) -> bool:
    """The hub's background loop, until SIGTERM or SIGINT; True if its last pass succeeded.

    Each pass sends the webhook notifications that are due (retried with backoff, dead after
    ``LIENTHONG_WEBHOOK_MAX_ATTEMPTS``) and signs an audit checkpoint when the log has grown
    since the last one. A database that does not answer is logged and tried again on the next
    pass, so a database restart does not end the worker. Leases that expire come back by
    themselves when an inbox is next polled.
    """
    from django.db import close_old_connections, connection

    from lienthong.hub.exchange.webhooks import http_poster

    poster = http_poster()
    log = logging.getLogger("lienthong.hub.worker")
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        log.info("worker: %s received, stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    succeeded = False
    try:
        log.info("worker: started (every %ss)", interval)
        while not stop.is_set():
            close_old_connections()
            try:
                with environment_errors():
                    _housekeeping(log, poster)
                succeeded = True
            except HubUnavailable as exc:
                succeeded = False
                log.warning("worker: %s; trying again in %ss", exc.message, interval)
                connection.close()
            if once:
                break
            stop.wait(interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        connection.close()
    log.info("worker: stopped")
    return succeeded


def _housekeeping(log: logging.Logger, poster: Poster) -> None:
    """One pass of the worker's periodic work."""
    from django.conf import settings
    from django.db import IntegrityError, transaction

    from lienthong.hub.audit.services import checkpoint
    from lienthong.hub.exchange.receipts import hub_identity
    from lienthong.hub.exchange.webhooks import deliver_due

    batch = 50
    while True:  # until nothing more is due in this pass
        outcome = deliver_due(
            poster, max_attempts=settings.LIENTHONG.webhook_max_attempts, limit=batch
        )
        if any(outcome.values()):
            log.info("worker: webhooks %s", outcome)
        if sum(outcome.values()) < batch:
            break

    try:
        with transaction.atomic():
            mark = checkpoint(hub_identity(hub_directory()))
    except IntegrityError:
        mark = None  # another worker signed the same tip first
    if mark is not None:
        log.info("worker: signed an audit checkpoint at entry %s", mark.seq)
    log.info("worker: pass done")


__all__ = [
    "DatabaseNotMigrated",
    "DatabaseUnavailable",
    "HubMisconfigured",
    "HubUnavailable",
    "Migrated",
    "describe_database",
    "ensure_hub_identity",
    "environment_errors",
    "is_loopback",
    "migrate",
    "pending_migrations",
    "require_migrated",
    "run_worker",
    "serve",
    "setup_django",
]
