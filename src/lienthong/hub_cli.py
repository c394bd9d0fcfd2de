"""``lienthong hub …``: run the hub and operate it — database, server, worker, registry, audit.

Every command works on the one hub that ``LIENTHONG_DATA_DIR`` and ``LIENTHONG_DATABASE_URL``
name (read once, by :mod:`lienthong.config`, through the hub's Django settings). Django is set up
inside these commands only, so that ``lienthong edxml …`` stays fast and Django-free. The
commands are thin: every change goes through :mod:`lienthong.hub.registry.services`, which
writes the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer
from rich.markup import escape
from rich.table import Table

from .cli_output import EXIT_BAD_INPUT, EXIT_USAGE, console, emit_json, err_console, fail, reported
from .hub import server
from .hub.errors import ValueInvalid

if TYPE_CHECKING:
    from cryptography import x509

    from .hub.registry.models import Agency

app = typer.Typer(
    help="The hub (trục liên thông): its database, server and worker, the agency registry, "
    "connected systems, trust anchors, the audit log and receipts.",
    no_args_is_help=True,
)
agency_app = typer.Typer(help="Agencies on the network (cơ quan, tổ chức).", no_args_is_help=True)
system_app = typer.Typer(help="Document systems connected to the hub.", no_args_is_help=True)
trust_app = typer.Typer(help="Root certificates trusted for signatures.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
receipt_app = typer.Typer(
    help="Receipts the hub signs for accepted messages.", no_args_is_help=True
)
operator_app = typer.Typer(help="Operator logins for the console (/admin/).", no_args_is_help=True)
app.add_typer(agency_app, name="agency")
app.add_typer(system_app, name="system")
app.add_typer(trust_app, name="trust")
app.add_typer(audit_app, name="audit")
app.add_typer(receipt_app, name="receipt")
app.add_typer(operator_app, name="operator")

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object on standard output.")]
CodeArg = Annotated[
    str, typer.Argument(help="Agency code (000.00.00.G22, or the Decision 20 form).")
]


class AgencyKind(StrEnum):
    """The kinds of :class:`lienthong.hub.registry.models.Agency` (kept here without Django)."""

    STATE = "state"
    PARTY = "party"
    ENTERPRISE = "enterprise"
    OTHER = "other"


class AgencyStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


@contextmanager
def _hub(as_json: bool, *, migrated: bool = True) -> Iterator[None]:
    """Set Django up for this process, check the database, report failures with exit codes."""
    with reported(as_json):
        server.setup_django()
        from django.db import DataError, IntegrityError

        from .hub.registry.services import RegistryConflict

        try:
            with server.environment_errors():
                if migrated:
                    server.require_migrated()
                yield
        except IntegrityError as exc:
            raise RegistryConflict(f"the change clashes with the registry: {_first(exc)}") from None
        except DataError as exc:
            raise ValueInvalid(f"the database refused a value: {_first(exc)}") from None


def _first(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _say(text: str) -> None:
    """Plain output: names may hold brackets that rich would read as markup."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


# --- database, server, worker ------------------------------------------------------------------


@app.command()
def migrate(as_json: JsonOpt = False) -> None:
    """Create or update the hub's database (idempotent) and its receipt-signing certificate."""
    with _hub(as_json, migrated=False):
        done = server.migrate()
        payload = {
            "database": done.database,
            "applied": done.applied,
            "hub_certificate": str(done.hub_certificate),
        }
        if as_json:
            emit_json(payload)
            return
        state = f"{len(done.applied)} migration(s) applied" if done.applied else "up to date"
        _say(f"{done.database}: {state}")
        _say(f"hub certificate (receipts are checked with it): {done.hub_certificate}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="Allow an address other machines can reach. The hub speaks plain HTTP: put a "
            "TLS-terminating proxy in front of it, and list its names in LIENTHONG_ALLOWED_HOSTS.",
        ),
    ] = False,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
) -> None:
    """Run the hub's HTTP server (uvicorn, ASGI) until stopped with SIGTERM or Ctrl-C.

    Listens on loopback unless --public is given: bearer tokens and documents travel in clear
    over plain HTTP, so exposing the port itself is a decision, not a default.
    """
    if not server.is_loopback(host) and not public:
        fail(
            "usage",
            f"{host} is reachable from other machines; add --public to serve on it (behind a "
            "TLS-terminating proxy), or keep the default 127.0.0.1",
            EXIT_USAGE,
            False,
        )
    with _hub(False):
        server.ensure_hub_identity()
        from django.conf import settings
        from django.db import connections

        allowed = list(settings.ALLOWED_HOSTS)
        connections.close_all()  # the server opens its own
    _check_port_free(host, port)
    shown = f"[{host}]" if ":" in host else host
    _say(f"lienthong hub: http://{shown}:{port}/  (API /api/v1/, operator console /admin/)")
    if public and host not in allowed and "*" not in allowed:
        err_console.print(
            f"note: LIENTHONG_ALLOWED_HOSTS is {','.join(allowed)}; requests addressed to any "
            "other host name are refused with 400",
            markup=False,
            highlight=False,
        )
    sys.stdout.flush()
    server.serve(host, port, workers=workers, access_log=access_log)


def _check_port_free(host: str, port: int) -> None:
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


@app.command()
def worker(
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds between passes.")] = 30.0,
    once: Annotated[
        bool, typer.Option("--once", help="One pass, then exit (2 if it could not be done).")
    ] = False,
) -> None:
    """Run the hub's background work until SIGTERM or Ctrl-C (then exit 0).

    Each pass sends the webhook notifications ("you have mail") that are due — HMAC-signed,
    retried with backoff, dead after LIENTHONG_WEBHOOK_MAX_ATTEMPTS — and signs an audit
    checkpoint when the log has grown (so that a rewritten chain is caught by `lienthong hub
    audit verify`). Leases that expire come back by themselves. A database that does not
    answer is logged and tried again on the next pass.
    """
    from .hub import logs

    logs.configure()
    with _hub(False):
        pass  # set up, and refuse an unreachable or unmigrated database before looping
    if not server.run_worker(interval=interval, once=once) and once:
        raise typer.Exit(EXIT_USAGE)  # the one pass asked for could not be done


# --- agencies ----------------------------------------------------------------------------------


def _agency(agency: Agency) -> dict[str, Any]:
    return {
        "code": agency.code,
        "code_d20": agency.code_d20,
        "name": agency.name,
        "parent": agency.parent.code if agency.parent else None,
        "level": agency.level,
        "kind": agency.kind,
        "status": agency.status,
        "email": agency.email,
    }


@agency_app.command("add")
def agency_add(
    code: CodeArg,
    name: Annotated[str, typer.Option("--name", help="The agency's full name.")],
    parent: Annotated[
        str | None, typer.Option(help="Parent agency code (default: implied by the code).")
    ] = None,
    kind: Annotated[
        AgencyKind, typer.Option(help="Enterprises start pending until approved.")
    ] = AgencyKind.STATE,
    code_d20: Annotated[
        str | None, typer.Option("--code-d20", help="The Decision 20/2020 code, if known.")
    ] = None,
    email: Annotated[str, typer.Option(help="Contact e-mail address.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Register an agency."""
    with _hub(as_json):
        from .hub.registry import services as registry

        agency = registry.add_agency(
            code, name, parent=parent, kind=kind.value, code_d20=code_d20, email=email
        )
        if as_json:
            emit_json(_agency(agency))
            return
        _say(
            f"registered {agency.code} {agency.name} (level {agency.level}, {agency.kind}, "
            f"{agency.status})"
        )
        if agency.status == "pending":
            _say(f"it becomes active after: lienthong hub agency approve {agency.code}")


@agency_app.command("list")
def agency_list(
    status: Annotated[
        AgencyStatus | None, typer.Option(help="Only agencies in this status.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the registered agencies."""
    with _hub(as_json):
        from .hub.registry import services as registry

        agencies = registry.list_agencies(status=status.value if status else None)
        if as_json:
            emit_json({"agencies": [_agency(a) for a in agencies]})
            return
        table = Table("code", "name", "level", "kind", "status", "parent")
        for a in agencies:
            table.add_row(
                a.code,
                escape(a.name),
                str(a.level),
                a.kind,
                a.status,
                a.parent.code if a.parent else "",
            )
        console.print(table)
        _say(f"{len(agencies)} agencies")


def _change_status(code: str, action: str, as_json: bool) -> None:
    with _hub(as_json):
        from .hub.registry import services as registry

        change = registry.change_agency_status(code, action)
        agency = change.agency
        if as_json:
            emit_json({**_agency(agency), "previous": change.previous, "changed": change.changed})
        elif change.changed:
            _say(f"{agency.code} {agency.name}: {change.previous} → {agency.status}")
        else:
            _say(f"{agency.code} {agency.name} is {agency.status} already; nothing changed")


@agency_app.command("approve")
def agency_approve(code: CodeArg, as_json: JsonOpt = False) -> None:
    """Make a pending (or suspended) agency active."""
    _change_status(code, "approve", as_json)


@agency_app.command("suspend")
def agency_suspend(code: CodeArg, as_json: JsonOpt = False) -> None:
    """Stop an agency from receiving documents until it is approved again."""
    _change_status(code, "suspend", as_json)


@agency_app.command("close")
def agency_close(code: CodeArg, as_json: JsonOpt = False) -> None:
    """Close an agency for good; its history stays."""
    _change_status(code, "close", as_json)


# --- connected systems -------------------------------------------------------------------------


@system_app.command("add")
def system_add(
    name: Annotated[str, typer.Argument(help="A name for the system, unique on this hub.")],
    agency: Annotated[
        list[str], typer.Option("--agency", help="An agency it acts for (repeatable).")
    ],
    webhook: Annotated[
        str,
        typer.Option(help="URL the worker notifies of new mail (HMAC-signed JSON POST)."),
    ] = "",
    as_json: JsonOpt = False,
) -> None:
    """Connect a document system; prints its client id and secret, once."""
    if webhook and not _is_web_url(webhook):
        fail("webhook-invalid", f"{webhook!r} is not an http(s) URL", EXIT_BAD_INPUT, as_json)
    with _hub(as_json):
        from .hub.registry import services as registry

        codes = [registry.agency_by_code(code).code for code in agency]
        created = registry.add_system(name, codes, webhook_url=webhook)
        answer = {
            "name": created.system.name,
            "agencies": sorted(set(codes)),
            "client_id": created.client_id,
            "client_secret": created.client_secret,
        }
        if created.webhook_secret:
            answer["webhook_secret"] = created.webhook_secret
        if as_json:
            emit_json(answer)
            return
        _say(f"connected system {created.system.name}, acting for {', '.join(answer['agencies'])}")
        _say(f"client id:      {created.client_id}")
        _say(f"client secret:  {created.client_secret}")
        if created.webhook_secret:
            _say(f"webhook secret: {created.webhook_secret}  (checks the hub's HMAC signatures)")
        _say(
            "Shown only now: the hub keeps the client secret hashed, and never shows either again."
        )


@system_app.command("reissue-secret")
def system_reissue_secret(
    name: Annotated[str, typer.Argument(help="The system's name, as listed.")],
    as_json: JsonOpt = False,
) -> None:
    """Give a system a new client secret, shown once; the old one and its tokens stop working."""
    with _hub(as_json):
        from .hub.registry import services as registry

        reissued = registry.reissue_client_secret(name)
        answer = {
            "name": reissued.system.name,
            "client_id": reissued.client_id,
            "client_secret": reissued.client_secret,
        }
        if as_json:
            emit_json(answer)
            return
        _say(f"new client secret for {reissued.system.name}: {reissued.client_secret}")
        _say("Shown only now. The old secret and every token issued with it no longer work.")


def _is_web_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@system_app.command("list")
def system_list(as_json: JsonOpt = False) -> None:
    """List the connected systems (never their secrets)."""
    with _hub(as_json):
        from .hub.registry import services as registry

        rows = [
            {
                "name": s.name,
                "client_id": s.application.client_id,
                "agencies": sorted(a.code for a in s.agencies.all()),
                "webhook_url": s.webhook_url,
                "active": s.active,
                "created_at": s.created_at.isoformat(),
            }
            for s in registry.list_systems()
        ]
        if as_json:
            emit_json({"systems": rows})
            return
        table = Table("name", "client id", "agencies", "active", "webhook")
        for row in rows:
            table.add_row(
                escape(row["name"]),
                row["client_id"],
                ", ".join(row["agencies"]),
                "yes" if row["active"] else "no",
                escape(row["webhook_url"]),
            )
        console.print(table)


# --- trust anchors -----------------------------------------------------------------------------


@trust_app.command("add")
def trust_add(
    certificate: Annotated[Path, typer.Argument(help="Root certificate(s), PEM or DER.")],
    as_json: JsonOpt = False,
) -> None:
    """Trust the signers under a root certificate."""
    with _hub(as_json):
        from .hub.registry import services as registry

        anchors = registry.add_trust_anchor(certificate.read_bytes())
        rows = [{"fingerprint": a.fingerprint, "subject": a.name} for a in anchors]
        if as_json:
            emit_json({"anchors": rows})
            return
        for row in rows:
            _say(f"trusted {row['subject']} (SHA-256 {row['fingerprint']})")


@trust_app.command("remove")
def trust_remove(
    fingerprint: Annotated[
        str, typer.Argument(help="SHA-256 fingerprint as listed (at least its first 8 digits).")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Stop trusting a root: signatures under it no longer verify on new submissions."""
    with _hub(as_json):
        from .hub.registry import services as registry

        anchor = registry.remove_trust_anchor(fingerprint)
        if as_json:
            emit_json({"removed": {"fingerprint": anchor.fingerprint, "subject": anchor.name}})
            return
        _say(f"no longer trusted: {anchor.name} (SHA-256 {anchor.fingerprint})")


@trust_app.command("list")
def trust_list(as_json: JsonOpt = False) -> None:
    """List the trusted root certificates."""
    with _hub(as_json):
        from cryptography import x509

        from .hub.registry import services as registry

        rows = []
        for anchor in registry.list_trust_anchors():
            cert = x509.load_pem_x509_certificate(anchor.certificate_pem.encode())
            rows.append(
                {
                    "subject": anchor.name,
                    "fingerprint": anchor.fingerprint,
                    "not_valid_after": cert.not_valid_after_utc.isoformat(),
                    "added_at": anchor.added_at.isoformat(),
                }
            )
        if as_json:
            emit_json({"anchors": rows})
            return
        table = Table("subject", "SHA-256", "valid until", "added")
        for row in rows:
            table.add_row(
                escape(row["subject"]),
                row["fingerprint"],
                row["not_valid_after"][:10],
                row["added_at"][:10],
            )
        console.print(table)


# --- statistics and operators ------------------------------------------------------------------


class StatsGroup(StrEnum):
    MONTH = "month"
    LEVEL = "level"
    AGENCY = "agency"


def _month_or_day(text: str | None, *, end: bool) -> dt.date | None:
    """``2026-11`` or ``2026-11-25``; a month alone means its first (or, for ``--to``, last) day."""
    if text is None:
        return None
    try:
        if len(text) == 7:
            first = dt.date.fromisoformat(text + "-01")
            if not end:
                return first
            following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return following - dt.timedelta(days=1)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueInvalid(f"{text!r} is not a month (2026-11) or a day (2026-11-25)") from None


@app.command("stats-import")
def stats_import(
    source: Annotated[
        Path, typer.Argument(help="CSV agency,month,kind,direction,count (UTF-8, with header).")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Import monthly counts kept before the hub (months before its first message only)."""
    with _hub(as_json):
        from .hub.stats.history import import_history

        done = import_history(source.read_bytes())
        answer = {
            "cells": done.cells,
            "documents": done.documents,
            "from": done.first_month,
            "to": done.last_month,
            "sha256": done.sha256,
        }
        if as_json:
            emit_json(answer)
            return
        _say(
            f"imported {done.cells} counters ({done.documents:,} documents), "
            f"{done.first_month} to {done.last_month}"
        )


@app.command()
def stats(
    start: Annotated[
        str | None, typer.Option("--from", help="First month or day (2026-01 or 2026-01-15).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last month or day.")] = None,
    group: Annotated[StatsGroup, typer.Option(help="Rows per month, level or agency.")] = (
        StatsGroup.MONTH
    ),
    as_json: JsonOpt = False,
) -> None:
    """Documents sent and received across the whole network, from the hub's counters."""
    with _hub(as_json):
        from .hub.stats.services import statistics

        rows = statistics(
            agencies=None,
            start=_month_or_day(start, end=False),
            end=_month_or_day(end, end=True),
            group=group.value,
        )
        if as_json:
            emit_json({"group": group.value, "items": rows})
            return
        table = Table(group.value, "sent", "received")
        for row in rows:
            table.add_row(escape(str(row[group.value])), str(row["sent"]), str(row["received"]))
        console.print(table)


@operator_app.command("add")
def operator_add(
    username: Annotated[str, typer.Argument(help="The login name.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="At least 12 characters, not a common one (asked for when not given).",
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Create a console login with every operator permission (audited)."""
    with _hub(as_json):
        from .hub.registry.operators import add_operator

        user = add_operator(username, password)
        if as_json:
            emit_json({"username": user.username, "console": "/admin/"})
            return
        _say(f"operator {user.username} can now sign in at /admin/")


# --- audit log and receipts --------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(
    cert: Annotated[
        Path | None,
        typer.Option(
            help="The hub's certificate, to check the signed checkpoints "
            "[default: LIENTHONG_DATA_DIR/hub/hub-cert.pem]."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recompute the audit log's hash chain and check its signed checkpoints; exit 1 at the
    first entry that does not fit."""
    with _hub(as_json):
        from .hub.audit.services import verify_chain

        cert_path = cert or server.hub_directory() / "hub-cert.pem"
        report = verify_chain(certificate=_certificate(cert_path, as_json))
    payload = {
        "ok": report.ok,
        "entries": report.entries,
        "checkpoints": report.checkpoints,
        "first_bad_seq": report.first_bad_seq,
        "problem": report.problem,
    }
    if as_json:
        emit_json(payload)
    elif report.ok:
        _say(
            f"audit log intact: {report.entries} entries, "
            f"{report.checkpoints} signed checkpoint(s) checked"
        )
    else:
        err_console.print(
            f"audit log broken at entry {report.first_bad_seq}: {report.problem}",
            markup=False,
            highlight=False,
        )
    if not report.ok:
        raise typer.Exit(EXIT_BAD_INPUT)


def _certificate(path: Path, as_json: bool) -> x509.Certificate:
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError:
        fail("certificate-invalid", f"{path}: not a PEM certificate", EXIT_USAGE, as_json)


@receipt_app.command("verify")
def receipt_verify(
    receipt_file: Annotated[
        Path, typer.Argument(help="The receipt, or the whole answer of POST /api/v1/messages.")
    ],
    cert: Annotated[
        Path | None,
        typer.Option(help="The hub's certificate [default: LIENTHONG_DATA_DIR/hub/hub-cert.pem]."),
    ] = None,
    document: Annotated[
        Path | None, typer.Option(help="Also check that this edXML file is what was received.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a receipt offline against the hub's certificate; exit 1 if it does not hold."""
    import hashlib

    from .hub.exchange.receipts import verify_receipt

    with reported(as_json):
        receipt = _read_receipt(receipt_file, as_json)
        cert_path = cert or _default_hub_certificate(as_json)
        certificate = _certificate(cert_path, as_json)
        signed = receipt.get("data")
        data: dict[str, Any] = signed if isinstance(signed, dict) else {}
        problems = []
        if not verify_receipt(receipt, certificate):
            problems.append(
                "the signature does not match this hub certificate, or the receipt was changed"
            )
        if document is not None:
            digest = hashlib.sha256(document.read_bytes()).hexdigest()
            if digest != data.get("sha256"):
                problems.append(f"{document} is not the document this receipt is for")
    payload = {"ok": not problems, "problems": problems, "certificate": str(cert_path), **data}
    if as_json:
        emit_json(payload)
    elif problems:
        for problem in problems:
            err_console.print(f"receipt not valid: {problem}", markup=False, highlight=False)
    else:
        _say(
            f"receipt valid: message {data.get('message_id')} from {data.get('sender')}, "
            f"sha256 {data.get('sha256')}, received {data.get('received_at')}"
        )
    if problems:
        raise typer.Exit(EXIT_BAD_INPUT)


def _read_receipt(path: Path, as_json: bool) -> dict[str, Any]:
    try:
        content = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        fail("receipt-malformed", f"{path}: not JSON", EXIT_BAD_INPUT, as_json)
    if isinstance(content, dict) and isinstance(content.get("receipt"), dict):
        content = content["receipt"]  # the API's answer, saved whole
    if not isinstance(content, dict) or "signature" not in content:
        fail("receipt-malformed", f"{path}: not a hub receipt", EXIT_BAD_INPUT, as_json)
    return content


def _default_hub_certificate(as_json: bool) -> Path:
    from . import config

    try:
        data_dir = config.load().data_dir
    except ValueError as exc:
        fail("hub-misconfigured", str(exc), EXIT_USAGE, as_json)
    path = data_dir / "hub" / "hub-cert.pem"
    if not path.exists():
        fail(
            "hub-certificate-missing",
            f"no hub certificate at {path} (LIENTHONG_DATA_DIR); pass --cert HUB-CERT.pem",
            EXIT_USAGE,
            as_json,
        )
    return path
