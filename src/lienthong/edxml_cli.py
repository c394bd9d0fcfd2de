"""``lienthong edxml …``: inspect, validate, build, sign, verify and extract edXML files."""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_output import (
    EXIT_BAD_INPUT,
    EXIT_USAGE,
    atomic_output,
    console,
    emit_json,
    fail,
    reported,
    write_atomically,
)
from .edxml import EdocMessage, Message, Organization, ParseResult, check, parse, validate
from .edxml.attachments import (
    base64_decoded_size,
    safe_attachment_name,
)
from .edxml.build import build as build_bytes
from .edxml.compose import NewFile, new_edoc
from .edxml.errors import KeyLoadError
from .edxml.extract import extract_attachments
from .edxml.model import Code
from .key_options import CertOpt, ChainOpt, KeyOpt
from .trust_options import AtOpt, OfflineOpt, RevocationOpt, TrustOpt, policy_from_options

app = typer.Typer(help="edXML (QCVN 102:2016) messages.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object on standard output.")]
FileArg = Annotated[Path, typer.Argument(help="An .edxml file.", show_default=False)]


def summary(result: ParseResult) -> dict[str, Any]:
    """The ``inspect`` JSON (contract: keys relied on by scripts and other parts)."""
    m: Message = result.message
    base: dict[str, Any] = {
        "kind": m.kind,
        "from": m.from_.organ_id,
        "signed": result.signed,
        "warnings": [w.as_dict() for w in result.warnings],
    }
    if isinstance(m, EdocMessage):
        first = m.response_for[0] if m.response_for else None
        base |= {
            "to": [t.organ_id for t in m.to],
            "document_id": m.document_id,
            "code_number": m.code.code_number,
            "code_notation": m.code.code_notation,
            "subject": m.subject,
            "business_type": m.business_type.name.lower(),
            "status_code": None,
            "response_for": None if first is None else _response(first),
            "attachments": [
                {
                    "name": a.attachment_name,
                    "content_type": a.content_type,
                    "size": base64_decoded_size(a.encoded),
                }
                for a in m.attachments
            ],
        }
    else:
        base |= {
            "to": [],
            "document_id": m.response_for.document_id,
            "code_number": None,
            "code_notation": None,
            "subject": m.description,
            "business_type": None,
            "status_code": m.status_code,
            "response_for": _response(m.response_for),
            "attachments": [],
        }
    return base


def _response(r: Any) -> dict[str, str]:
    return {
        "organ_id": r.organ_id,
        "code": r.code,
        "promulgation_date": r.promulgation_date,
        "document_id": r.document_id,
    }


@app.command()
def inspect(file: FileArg, as_json: JsonOpt = False) -> None:
    """Show what a message is: kind, sender, recipients, document, attachments, warnings."""
    with reported(as_json):
        info = summary(parse(file.read_bytes()))
        if as_json:
            emit_json(info)
            return
        for key, value in info.items():
            if key in ("attachments", "warnings"):
                continue
            if value not in (None, "", []):
                shown = ", ".join(value) if isinstance(value, list) else value
                console.print(f"[bold]{key}[/]: {shown}", highlight=False)
        for a in info["attachments"]:
            console.print(f"[bold]attachment[/]: {a['name']} ({a['content_type']}, {a['size']} B)")
        for w in info["warnings"]:
            console.print(f"[yellow]warning[/] {w['code']}: {w['message']}", highlight=False)


@app.command("validate")
def validate_cmd(file: FileArg, as_json: JsonOpt = False) -> None:
    """Check a message against QCVN 102 rules; exit 0 valid, 1 invalid (every problem listed)."""
    with reported(as_json):
        result = parse(file.read_bytes())
        problems = validate(result.message)
    if as_json:
        emit_json(
            {
                "valid": not problems,
                "kind": result.message.kind,
                "problems": [p.as_dict() for p in problems],
                "warnings": [w.as_dict() for w in result.warnings],
            }
        )
    else:
        for p in problems:
            console.print(f"[red]✗[/] {p.path}: {p.message} [dim]({p.code})[/]", highlight=False)
        for w in result.warnings:
            console.print(f"[yellow]warning[/] {w.code}: {w.message}", highlight=False)
        if not problems:
            console.print(f"[green]✓[/] valid {result.message.kind}")
    if problems:
        raise typer.Exit(EXIT_BAD_INPUT)


def _iso_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail("usage", f"--promulgation-date {text!r} is not a date YYYY-MM-DD", EXIT_USAGE, False)


def new_document(
    sender: str,
    recipients: Sequence[str],
    subject: str,
    code: Code,
    type_name: str,
    attach: Sequence[Path],
    *,
    promulgation_date: dt.date | None = None,
) -> EdocMessage:
    """The new, unsigned document message that ``edxml build`` writes and ``send`` sends, with
    the files in ``attach``; checked against QCVN 102 (:class:`InvalidError` otherwise)."""
    files = [
        NewFile(
            name=safe_attachment_name(path.name),
            content_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            data=path.read_bytes(),
        )
        for path in attach
    ]
    message = new_edoc(
        sender=Organization(sender),
        recipients=[Organization(code) for code in recipients],
        subject=subject,
        code=code,
        type_name=type_name,
        promulgation_date=promulgation_date,
        files=files,
    )
    check(message)
    return message


@app.command("build")
def build_cmd(
    from_: Annotated[str, typer.Option("--from", help="Sender OrganId.")],
    to: Annotated[list[str], typer.Option("--to", help="Recipient OrganId (repeatable).")],
    subject: Annotated[str, typer.Option(help="Trích yếu.")],
    out: Annotated[Path, typer.Option("-o", "--output", help="Where to write the .edxml.")],
    code_number: Annotated[str, typer.Option(help="Số.")] = "",
    code_notation: Annotated[str, typer.Option(help="Ký hiệu, e.g. QĐ-UBND.")] = "",
    type_name: Annotated[str, typer.Option(help="Document type name.")] = "",
    promulgation_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    attach: Annotated[list[Path] | None, typer.Option(help="File to attach (repeatable).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Build a new document message (unsigned; see ``sign``); it is validated before writing."""
    with reported(as_json):
        message = new_document(
            from_,
            to,
            subject,
            Code(code_number, code_notation),
            type_name,
            attach or [],
            promulgation_date=_iso_date(promulgation_date),
        )
        data = build_bytes(message)
        write_atomically(out, data)
        if as_json:
            emit_json({"output": str(out), "document_id": message.document_id, "size": len(data)})
        else:
            console.print(f"wrote {out} ({len(data)} B), document {message.document_id}")


@app.command("sign")
def sign_cmd(
    file: FileArg,
    key: KeyOpt,
    cert: CertOpt,
    out: Annotated[Path, typer.Option("-o", "--output", help="Where to write the signed file.")],
    chain: ChainOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Sign a message (enveloped XML-DSig, RSA-SHA256) with an agency's PEM key and certificate."""
    from .edxml.dsig import SigningKey, sign_stream  # loads the validator: only when signing

    with reported(as_json):
        try:
            signing_key = SigningKey.from_pem(
                key.read_bytes(), cert.read_bytes(), chain.read_bytes() if chain else None
            )
        except (ValueError, TypeError) as exc:
            raise KeyLoadError(f"cannot load the key or certificate: {exc}") from None
        with file.open("rb") as source, atomic_output(out) as sink:
            sign_stream(source, sink, signing_key)
        if as_json:
            emit_json({"output": str(out), "size": out.stat().st_size})
        else:
            console.print(f"signed → {out}")


@app.command("verify")
def verify_cmd(
    file: FileArg,
    trust: TrustOpt,
    revocation: RevocationOpt = "hard-fail",
    offline: OfflineOpt = False,
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify the signature against trust anchors; exit 0 only if valid and trusted."""
    from .edxml.dsig import verify  # loads the validator: only when verifying

    with reported(as_json):
        policy = policy_from_options(trust, revocation, offline, at)
        with file.open("rb") as source:
            verified = verify(source, policy, keep_encoded=False).signature
        report = {
            "valid": True,
            "trusted": True,
            "signer": verified.signer_subject,
            "signature_algorithm": verified.signature_algorithm,
            "digest_algorithm": verified.digest_algorithm,
            "weak": verified.weak,
            "revocation": verified.revocation,
            "warnings": list(verified.warnings),
        }
        if as_json:
            emit_json(report)
        else:
            console.print(f"[green]✓[/] signed by {verified.signer_subject}", highlight=False)
            for w in verified.warnings:
                console.print(f"[yellow]warning[/] {w}", highlight=False)


@app.command()
def extract(
    file: FileArg,
    out_dir: Annotated[Path, typer.Option("-o", "--output", help="Folder to write into.")],
    unzip: Annotated[bool, typer.Option(help="Unwrap ZIP-wrapped attachments.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write each attachment to a folder (names checked; nothing outside the folder)."""
    with reported(as_json), file.open("rb") as source:
        written = extract_attachments(source, out_dir, unzip=unzip)
        if as_json:
            emit_json(
                {
                    "files": [
                        {"name": f.name, "path": str(f.path), "size": f.size, "sha256": f.sha256}
                        for f in written
                    ]
                }
            )
        else:
            for f in written:
                console.print(f"{f.path} ({f.size} B)")
