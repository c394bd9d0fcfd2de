"""Running the dms as a process: Django set up for a command, the database checked, uvicorn,
the background worker. Django is set up only when a ``lienthong dms`` command runs."""

from __future__ import annotations

import logging
import os
import signal
import threading
from contextlib import AbstractContextManager

from lienthong import sitedb, siteserver

from .errors import DmsUnavailable

SETTINGS_MODULE = "lienthong.sites.dms.settings"
ASGI_APPLICATION = "lienthong.sites.dms.asgi:application"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    if os.environ["DJANGO_SETTINGS_MODULE"] != SETTINGS_MODULE:
        raise DmsUnavailable(
            f"DJANGO_SETTINGS_MODULE is {os.environ['DJANGO_SETTINGS_MODULE']}; the dms needs "
            f"{SETTINGS_MODULE} (unset it)"
        )
    siteserver.setup_django(SETTINGS_MODULE, misconfigured=_settings_wrong)
    # The command line, the worker and the logs speak English (the services' messages as
    # written); each page is in its user's language, set per request by LocaleMiddleware.
    from django.utils import translation

    translation.activate("en")


def _settings_wrong(message: str) -> DmsUnavailable:
    return DmsUnavailable(f"the dms's settings are wrong: {message}")


def environment_errors() -> AbstractContextManager[None]:
    return siteserver.environment_errors(misconfigured=DmsUnavailable, unavailable=DmsUnavailable)


describe_database = sitedb.describe_database


def pending_migrations() -> list[str]:
    with environment_errors():
        return sitedb.pending_migrations()


def require_migrated() -> None:
    missing = sitedb.missing_sqlite_file()
    if missing:
        raise DmsUnavailable(
            f"there is no dms database at {missing}; run `lienthong dms migrate` with this "
            "LIENTHONG_DMS_DATA_DIR first"
        )
    pending = pending_migrations()
    if pending:
        raise DmsUnavailable(
            f"the {describe_database()} is not migrated ({len(pending)} migration(s) pending); "
            "run `lienthong dms migrate` first"
        )


def migrate() -> list[str]:
    """Bring the database to the current schema (idempotent); the migrations applied."""
    from django.core.management import call_command

    pending = pending_migrations()
    with environment_errors():
        if pending:
            call_command("migrate", interactive=False, verbosity=0)
    return pending


def serve(host: str, port: int, *, workers: int = 1) -> None:
    """The dms's ASGI application under uvicorn until SIGTERM or SIGINT."""
    siteserver.serve(ASGI_APPLICATION, host, port, workers=workers)


def run_worker(*, interval: float, once: bool = False) -> bool:
    """Pull every hosted agency's inbox, send the status notices owed and the documents not
    yet sent, then wait ``interval`` seconds; until SIGTERM/SIGINT. True if the last pass
    reached every hub."""
    from django.db import close_old_connections, connection

    from lienthong.dms.incoming.receive import receive_from_hub
    from lienthong.dms.outgoing.services import send_unsent

    log = logging.getLogger("lienthong.dms.worker")
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    ok = False
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                with environment_errors():
                    done = receive_from_hub()
                    resent = send_unsent()
                ok = not done.errors
                log.info(
                    "worker: %s document(s), %s status(es), %s take-back(s), %s notice(s) sent, "
                    "%s document(s) sent again%s",
                    done.documents,
                    done.statuses,
                    done.take_backs,
                    done.notices_sent,
                    resent,
                    f"; errors: {'; '.join(done.errors)}" if done.errors else "",
                )
            except DmsUnavailable as exc:
                ok = False
                log.warning("worker: %s; trying again in %ss", exc.message, interval)
                connection.close()
            if once:
                break
            stop.wait(interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        connection.close()
    return ok
