"""``lienthong pdf …``: sign a PDF (PAdES, Decree 30 appearance) and verify its signatures."""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .cli_output import EXIT_BAD_INPUT, console, emit_json, reported, write_atomically

if TYPE_CHECKING:  # pyHanko loads only when a command runs: the CLI starts fast
    from .signatures.pades import SignedInfo
    from .signatures.report import PdfReport, SignatureReport
from .key_options import KeyOptions, with_key_options
from .trust_options import AtOpt, OfflineOpt, RevocationOpt, TrustOpt, policy_from_options

app = typer.Typer(help="PDF signatures (PAdES) as Decree 30/2020 asks.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object on standard output.")]
FileArg = Annotated[Path, typer.Argument(help="A PDF file.", show_default=False)]


class RoleChoice(StrEnum):
    person = "person"
    agency = "agency"


class LevelChoice(StrEnum):
    b_b = "B-B"
    b_t = "B-T"
    b_lt = "B-LT"
    b_lta = "B-LTA"


@app.command("sign")
@with_key_options
def sign_cmd(
    file: FileArg,
    out: Annotated[Path, typer.Option("-o", "--output", help="Where to write the signed PDF.")],
    role: Annotated[RoleChoice, typer.Option(help="Who signs: the competent person or agency.")],
    keys: KeyOptions,
    level: Annotated[LevelChoice, typer.Option(help="PAdES level.")] = LevelChoice.b_lt,
    tsa: Annotated[
        str | None, typer.Option(help="Time-stamp authority URL (B-T and above).")
    ] = None,
    trust: Annotated[
        list[Path] | None,
        typer.Option(
            "--trust",
            help="Trust anchor (repeatable); the signer is checked before signing, and B-LT "
            "embeds the revocation data fetched under it.",
        ),
    ] = None,
    revocation: RevocationOpt = "hard-fail",
    image: Annotated[
        Path | None, typer.Option(help="Signature image (person) or seal (agency), PNG.")
    ] = None,
    number: Annotated[
        str | None,
        typer.Option(help="Number/notation (15/QĐ-UBND): agency text stamp on an attachment."),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Signer's title, shown without image.")] = None,
    name: Annotated[str | None, typer.Option(help="Signer's name, shown without image.")] = None,
    page: Annotated[int | None, typer.Option(help="Page of the stamp (from 1).")] = None,
    box: Annotated[
        str | None,
        typer.Option(help="x1,y1,x2,y2 in points: the gap between title and name, or the seal."),
    ] = None,
    invisible: Annotated[bool, typer.Option(help="No visible stamp.")] = False,
    allow_b_b_fallback: Annotated[
        bool, typer.Option(help="If the TSA is down, sign at B-B rather than fail.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Sign with an approval signature (person, then agency), written whole or not at all."""
    with reported(as_json):
        from .signatures.appearance import Appearance, Box
        from .signatures.keys import open_signer
        from .signatures.pades import sign_pdf

        source = keys.source()
        policy = policy_from_options(trust, revocation) if trust else None
        appearance = Appearance(
            image=image,
            number=number,
            signer_title=title,
            signer_name=name,
            page=page,
            box=Box.parse(box) if box else None,
            visible=not invisible,
        )
        data = file.read_bytes()
        signed = io.BytesIO()
        with open_signer(source) as signer:
            info = sign_pdf(
                data,
                signed,
                signer,
                role=role.value,
                level=level.value,
                tsa_url=tsa,
                policy=policy,
                appearance=appearance,
                allow_b_b_fallback=allow_b_b_fallback,
            )
        write_atomically(out, signed.getvalue())
        _show_signed(info, out, as_json)


def _show_signed(info: SignedInfo, out: Path, as_json: bool) -> None:
    if as_json:
        emit_json({"output": str(out), **info.as_dict()})
        return
    console.print(f"signed → {out} ({info.size} B)", highlight=False)
    console.print(f"[bold]{info.role}[/] {info.signer}", highlight=False)
    console.print(f"level {info.level}, field {info.field}", highlight=False)
    for warning in info.warnings:
        console.print(f"[yellow]warning[/] {warning}", highlight=False)


@app.command("verify")
def verify_cmd(
    file: FileArg,
    trust: TrustOpt,
    revocation: RevocationOpt = "hard-fail",
    offline: OfflineOpt = False,
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check every signature; exit 0 only if each one is valid and trusted, 1 otherwise."""
    with reported(as_json):
        policy = policy_from_options(trust, revocation, offline, at)
        from .signatures.report import validate_pdf

        report = validate_pdf(file.read_bytes(), policy)
    if as_json:
        emit_json(report.as_dict())
    else:
        _show_report(report)
    if not report.valid:
        raise typer.Exit(EXIT_BAD_INPUT)


def _show_report(report: PdfReport) -> None:
    for signature in report.signatures:
        _show_signature(signature)
    for ts in report.document_timestamps:
        mark = "[green]✓[/]" if ts.intact and ts.trusted else "[red]✗[/]"
        console.print(f"{mark} document timestamp {ts.time.isoformat()}", highlight=False)
    for problem in report.problems:
        console.print(f"[red]✗[/] {problem}", highlight=False)
    for warning in report.warnings:
        console.print(f"[yellow]warning[/] {warning}", highlight=False)
    verdict = "[green]valid[/]" if report.valid else "[red]not valid[/]"
    console.print(f"{verdict}: {len(report.signatures)} signature(s)", highlight=False)


def _show_signature(s: SignatureReport) -> None:
    mark = "[green]✓[/]" if s.valid and s.trusted else "[red]✗[/]"
    console.print(f"{mark} [bold]{s.field}[/] ({s.role}) {s.signer}", highlight=False)
    rows: dict[str, Any] = {
        "signing time": s.signing_time.isoformat() if s.signing_time else "—",
        "timestamp": f"{s.timestamp.time.isoformat()} by {s.timestamp.tsa}" if s.timestamp else "—",
        "intact": s.intact,
        "trusted": s.trusted,
        "revocation": " ".join(
            part
            for part in (
                s.revocation.status,
                s.revocation.source or "",
                "(embedded)" if s.revocation.embedded else "",
            )
            if part
        ),
        "level": s.long_term.level
        + ("" if s.long_term.validated is None else f", long-term {s.long_term.validated}"),
        "changes after signing": s.modifications
        + (f" ({s.modification_detail})" if s.modification_detail else ""),
    }
    for label, value in rows.items():
        console.print(f"    {label}: {value}", highlight=False)
    for problem in s.problems:
        console.print(f"    [red]✗[/] {problem}", highlight=False)
    for warning in s.warnings:
        console.print(f"    [yellow]warning[/] {warning}", highlight=False)
