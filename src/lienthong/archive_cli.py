"""``lienthong archive …``: make an E-ARK CSIP package of a dossier, and check any package."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from .archive.errors import ArchiveError
from .cli_output import (
    EXIT_BAD_INPUT,
    EXIT_USAGE,
    atomic_output,
    console,
    emit_json,
    err_console,
    fail,
    reported,
)

app = typer.Typer(help="The electronic archive: E-ARK CSIP packages.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object on standard output.")]


@contextmanager
def _reported(as_json: bool) -> Iterator[None]:
    with reported(as_json):
        try:
            yield
        except ArchiveError as exc:
            if as_json:
                emit_json({"error": exc.as_dict()})
                raise typer.Exit(EXIT_BAD_INPUT) from None
            fail(exc.code, exc.message, EXIT_BAD_INPUT, as_json)


@app.command()
def package(
    folder: Annotated[Path, typer.Option("--dir", help="The folder of the dossier's documents.")],
    metadata: Annotated[
        Path,
        typer.Option(
            "--metadata",
            help='JSON {"dossier": {FIELD: VALUE…}, "documents": [{"file": NAME, FIELD: '
            "VALUE…}…]} with the field names of Circular 05/2025 (docs/archive.md).",
        ),
    ],
    out: Annotated[Path, typer.Option("-o", "--output", help="Where to write the package (zip).")],
    created: Annotated[
        str | None,
        typer.Option(
            help="The package's creation time (ISO 8601; default: the metadata's "
            '"created", else now). The same inputs and time give the same bytes.'
        ),
    ] = None,
    package_id: Annotated[
        str | None,
        typer.Option("--id", help="The package identifier (default: derived from fileCode)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Package a folder of documents and their metadata as a SIP (E-ARK CSIP 2.0.4 in BagIt)."""
    from .archive.metadata import read_dossier
    from .archive.package import write_package

    with _reported(as_json):
        if not folder.is_dir():
            fail("file-not-found", f"{folder}: no such folder", EXIT_USAGE, as_json)
        try:
            data = json.loads(metadata.read_bytes())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            fail("metadata-unreadable", f"{metadata}: not JSON ({exc})", EXIT_BAD_INPUT, as_json)
        present = _documents_in(folder, skip={out.resolve(), metadata.resolve()})
        dossier = read_dossier(data, frozenset(present))
        when = _when(created or (data.get("created") if isinstance(data, dict) else None), as_json)
        with atomic_output(out) as stream:
            summary = write_package(
                dossier,
                {name: folder / name for name in present},
                stream,
                created=when,
                package_id=package_id,
            )
        shown = {
            "package": summary.package_id,
            "documents": summary.documents,
            "files": summary.files,
            "payload_bytes": summary.payload_bytes,
            "output": str(out),
            "bytes": out.stat().st_size,
        }
        if as_json:
            emit_json(shown)
        else:
            console.print(
                f"[bold]{summary.package_id}[/]: {summary.documents} documents, "
                f"{shown['bytes']:,} bytes → {out}",
                highlight=False,
            )


def _documents_in(folder: Path, skip: set[Path]) -> list[str]:
    """Every regular, non-hidden file under ``folder`` ("/"-separated), but the metadata file
    and the output when they are inside it."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and p.resolve() not in skip
    )


def _when(value: object, as_json: bool) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        fail("created-invalid", f"{value!r}: not an ISO 8601 time", EXIT_USAGE, as_json)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


@app.command()
def verify(
    package_path: Annotated[
        Path, typer.Argument(metavar="PKG", help="A package: zip or unpacked folder.")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Check a package (BagIt, METS schema, CSIP requirements, checksums); exit 0 only if valid."""
    from .archive.verify import verify_package

    with _reported(as_json):
        report = verify_package(package_path)
        if as_json:
            emit_json(report.as_dict())
        else:
            for p in report.problems:
                where = f"{p.where} " if p.where else ""
                requirement = f" [{p.requirement}]" if p.requirement else ""
                err_console.print(
                    f"[red]{p.code}[/] {where}— {p.message}{requirement}", highlight=False
                )
            verdict = "[green]valid[/]" if report.valid else "[bold red]invalid[/]"
            console.print(
                f"{package_path}: {verdict} ({len(report.problems)} problems; envelope "
                f"{report.envelope}; {len(report.mets)} METS; {report.files} files; "
                f"{len(report.checked)} CSIP requirements checked)",
                highlight=False,
            )
        if not report.valid:
            raise typer.Exit(EXIT_BAD_INPUT)
