"""``lienthong pki …``: a test PKI for development, demos, pilots and tests (CA, CRL, OCSP, TSA)."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_output import EXIT_USAGE, console, emit_json, fail, reported
from .signatures import testpki

app = typer.Typer(
    help="A test PKI with Vietnamese names: root, sub-CAs, CRL, OCSP and a time-stamping unit.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object on standard output.")]
DirArg = Annotated[Path, typer.Argument(help="The PKI folder.", show_default=False)]


def _moment(option: str, text: str | None, as_json: bool) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        fail("usage", f"{option} {text!r} is not an ISO 8601 date or time", EXIT_USAGE, as_json)


def _show(payload: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(payload)
        return
    for key, value in payload.items():
        console.print(f"[bold]{key}[/]: {value}", highlight=False)


def _info_payload(info: testpki.PkiInfo) -> dict[str, Any]:
    return {
        "root": str(info.root),
        "tsa_url": info.tsa_url,
        "ocsp_url": info.ocsp_url,
        "crl_url": info.crl_url,
        "directory": str(info.directory),
        "port": info.port,
    }


@app.command()
def init(
    directory: DirArg,
    port: Annotated[
        int, typer.Option(help="Loopback port baked into the certificates (0: a free one).")
    ] = testpki.DEFAULT_PORT,
    as_json: JsonOpt = False,
) -> None:
    """Create a test PKI in a new or empty folder."""
    with reported(as_json):
        _show(_info_payload(testpki.init_pki(directory, port=port)), as_json)


@app.command()
def issue(
    directory: DirArg,
    agency: Annotated[str, typer.Option(help="Agency code (the agency's, or the person's).")],
    name: Annotated[str | None, typer.Option(help="The agency's name.")] = None,
    person: Annotated[str | None, typer.Option(help="The person's name (Nguyễn Văn A).")] = None,
    title: Annotated[str | None, typer.Option(help="The person's title (Giám đốc).")] = None,
    key_usage: Annotated[
        str, typer.Option(help="signing, or encipherment (a certificate that must not sign).")
    ] = "signing",
    not_before: Annotated[str | None, typer.Option(help="Valid from (ISO 8601, UTC).")] = None,
    not_after: Annotated[str | None, typer.Option(help="Valid until (ISO 8601, UTC).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue an agency credential (--agency --name) or a person's (--person --title --agency)."""
    start = _moment("--not-before", not_before, as_json)
    end = _moment("--not-after", not_after, as_json)
    if person is None and name is None:
        fail("usage", "give --name (an agency) or --person and --title", EXIT_USAGE, as_json)
    if person is not None and (title is None or name is not None):
        fail("usage", "a person needs --title, and takes no --name", EXIT_USAGE, as_json)
    with reported(as_json):
        if person is not None and title is not None:
            credential = testpki.issue_person(
                directory,
                name=person,
                title=title,
                agency=agency,
                not_before=start,
                not_after=end,
                key_usage=key_usage,
            )
        else:
            credential = testpki.issue_agency(
                directory,
                code=agency,
                name=name or "",
                not_before=start,
                not_after=end,
                key_usage=key_usage,
            )
        _show(
            {
                "key": str(credential.key),
                "cert": str(credential.cert),
                "chain": str(credential.chain),
                "p12": str(credential.p12),
                "p12_password": credential.p12_password,
            },
            as_json,
        )


@app.command()
def revoke(
    directory: DirArg,
    cert: Annotated[Path, typer.Option(help="The certificate to revoke (PEM or DER).")],
    reason: Annotated[
        str, typer.Option(help=f"One of: {', '.join(testpki.REVOCATION_REASONS)}.")
    ] = "key_compromise",
    at: Annotated[str | None, typer.Option(help="Revoked as of (ISO 8601, UTC); now.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a certificate: its issuer's CRL lists it and OCSP answers "revoked"."""
    moment = _moment("--at", at, as_json) or dt.datetime.now(dt.UTC).replace(microsecond=0)
    with reported(as_json):
        testpki.revoke(directory, cert, reason=reason, at=moment)
        _show({"cert": str(cert), "reason": reason, "revoked_at": moment.isoformat()}, as_json)


@app.command()
def serve(
    directory: DirArg,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default: the one baked in).")
    ] = None,
) -> None:
    """Serve CRLs, OCSP and time-stamps on loopback until interrupted."""
    with reported(False):
        info = testpki.open_pki(directory)
        console.print(
            f"serving the test PKI in {info.directory} on 127.0.0.1:{port or info.port}",
            highlight=False,
        )
        _show(_info_payload(info), False)
        with contextlib.suppress(KeyboardInterrupt):
            testpki.serve(directory, port=port)
