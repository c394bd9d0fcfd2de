"""``lienthong dms …``: install and run the agency document system (DESIGN.md §7).

Every command works on the one dms that ``LIENTHONG_DMS_DATA_DIR`` and
``LIENTHONG_DMS_DATABASE_URL`` name (read once, by :mod:`lienthong.dms.config`). Bad input or a
wrong environment ends with a one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_output import EXIT_USAGE, console, fail

app = typer.Typer(
    help="The agency document system (phần mềm quản lý văn bản): database, server, worker, "
    "agencies and users.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object on standard output.")]


class RoleName(StrEnum):
    CLERK = "clerk"
    LEADER = "leader"
    HEAD = "head"
    SPECIALIST = "specialist"
    ARCHIVIST = "archivist"
    ADMIN = "admin"


@contextmanager
def _dms(as_json: bool, *, migrated: bool = True) -> Iterator[None]:
    """Django set up for this process, the database checked, failures as messages and exit 2."""
    from .dms.errors import DmsError

    try:
        from .dms import server

        server.setup_django()
        with server.environment_errors():
            if migrated:
                server.require_migrated()
            yield
    except DmsError as exc:
        fail(exc.code, exc.message, EXIT_USAGE, as_json)
    except ValueError as exc:  # an impossible LIENTHONG_DMS_* value
        fail("dms-misconfigured", str(exc), EXIT_USAGE, as_json)


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _emit(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


@app.command()
def migrate(as_json: JsonOpt = False) -> None:
    """Create or update the dms's database (idempotent)."""
    with _dms(as_json, migrated=False):
        from .dms import server

        applied = server.migrate()
        if as_json:
            _emit({"database": server.describe_database(), "applied": applied})
            return
        state = f"{len(applied)} migration(s) applied" if applied else "up to date"
        _say(f"{server.describe_database()}: {state}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8100,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
) -> None:
    """Run the dms's web interface (uvicorn, ASGI) until stopped with SIGTERM or Ctrl-C."""
    with _dms(False):
        from django.db import connections

        connections.close_all()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            fail(
                "address-unavailable",
                f"cannot listen on {host}:{port}: {exc.strerror}",
                EXIT_USAGE,
                False,
            )
    shown = f"[{host}]" if ":" in host else host
    _say(f"lienthong dms: http://{shown}:{port}/")
    sys.stdout.flush()
    from .dms import server

    server.serve(host, port, workers=workers)


@app.command()
def worker(
    interval: Annotated[
        float, typer.Option(min=0, help="Seconds between passes (0: LIENTHONG_DMS_POLL_SECONDS).")
    ] = 0,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
) -> None:
    """Pull the inboxes, send the statuses owed and the documents not yet sent; repeat."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with _dms(False):
        from django.conf import settings

        from .dms import server

        pause = interval or settings.LIENTHONG_DMS.poll_seconds
        ok = server.run_worker(interval=pause, once=once)
    if once and not ok:
        raise typer.Exit(EXIT_USAGE)


@app.command()
def createagency(
    code: Annotated[str, typer.Argument(help="Agency code (000.00.00.H41).")],
    name: Annotated[str, typer.Option("--name", help="The agency's name.")],
    hub: Annotated[str, typer.Option("--hub", help="The hub's URL.")],
    client_id: Annotated[str, typer.Option("--client-id", help="Connected system's id.")],
    client_secret: Annotated[str, typer.Option("--client-secret", help="Its secret.")],
    notation: Annotated[
        str, typer.Option(help="Abbreviation in numbers: 15/QĐ-<NOTATION>, e.g. UBND.")
    ] = "",
    p12: Annotated[Path | None, typer.Option(help="Agency signing credential (PKCS#12).")] = None,
    p12_password: Annotated[str, typer.Option(help="Its password.")] = "",
    key: Annotated[Path | None, typer.Option(help="Agency signing key (PEM).")] = None,
    cert: Annotated[Path | None, typer.Option(help="Its certificate (PEM).")] = None,
    chain: Annotated[Path | None, typer.Option(help="CA certificates (PEM).")] = None,
    seal: Annotated[Path | None, typer.Option(help="Seal image (transparent PNG).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Host an agency: its hub, the connected system's credentials and its signing key."""
    if p12 is not None and key is not None:
        fail("usage", "give --p12 or --key/--cert, not both", EXIT_USAGE, as_json)
    with _dms(as_json):
        from .dms.agencies.services import create_agency

        agency = create_agency(
            code,
            name=name,
            hub_url=hub,
            client_id=client_id,
            client_secret=client_secret,
            notation=notation,
            signing_p12=p12,
            signing_p12_password=p12_password,
            signing_key=key,
            signing_cert=cert,
            signing_chain=chain,
            seal_image=seal,
        )
        if as_json:
            _emit({"code": agency.code, "name": agency.name, "hub": agency.hub_url})
        else:
            _say(f"agency {agency.code} ({agency.name}) hosted, hub {agency.hub_url}")


@app.command()
def createuser(
    username: Annotated[str, typer.Argument(help="Login name.")],
    agency: Annotated[str, typer.Option("--agency", help="Code of the user's agency.")],
    role: Annotated[RoleName, typer.Option("--role", help="The user's role.")],
    password: Annotated[str, typer.Option("--password", help="At least 8 characters.")],
    full_name: Annotated[str, typer.Option("--full-name", help="Shown name.")] = "",
    position: Annotated[str, typer.Option(help="Title (Phó Chủ tịch …).")] = "",
    p12: Annotated[Path | None, typer.Option(help="Personal signing credential (PKCS#12).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a user of a hosted agency, with a role."""
    with _dms(as_json):
        from .dms.agencies.services import agency_by_code, create_user

        user = create_user(
            username,
            agency=agency_by_code(agency),
            role=role.value,
            password=password,
            full_name=full_name,
            position=position,
            signing_p12=p12,
        )
        if as_json:
            _emit({"username": user.username, "agency": agency, "role": user.role})
        else:
            _say(f"user {user.username} ({user.role}) of {agency} created")
