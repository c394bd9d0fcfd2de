"""``lienthong archive …``: make an E-ARK CSIP package of a dossier, check any package, keep
packages in the two-copy archive store and audit their fixity."""

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

app = typer.Typer(
    help="The electronic archive: E-ARK CSIP packages, kept in two copies.", no_args_is_help=True
)

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
    out: Annotated[Path, typer.Option("-o", "--output", help="Where to write the package (zip).")],
    dms_dossier: Annotated[
        str | None,
        typer.Argument(
            metavar="DOSSIER",
            help="A closed dossier of the dms (its id or file code) of the agency --agency, "
            "instead of --dir and --metadata.",
        ),
    ] = None,
    folder: Annotated[
        Path | None, typer.Option("--dir", help="The folder of the dossier's documents.")
    ] = None,
    metadata: Annotated[
        Path | None,
        typer.Option(
            "--metadata",
            help='JSON {"dossier": {FIELD: VALUE…}, "documents": [{"file": NAME, FIELD: '
            "VALUE…}…]} with the field names of Circular 05/2025 (docs/archive.md).",
        ),
    ] = None,
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
    agency: Annotated[
        str | None, typer.Option("--agency", help="The dms agency (code) DOSSIER belongs to.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Package a folder of documents and their metadata, or a closed dossier of the dms, as a
    SIP (E-ARK CSIP 2.0.4 in BagIt)."""
    from .archive.metadata import read_dossier
    from .archive.package import write_package

    if dms_dossier is not None or agency is not None:
        dms_package(dms_dossier, agency, out, created, package_id, as_json, folder or metadata)
        return
    with _reported(as_json):
        if folder is None or metadata is None:
            fail(
                "usage",
                "give --dir and --metadata, or a dms DOSSIER and --agency",
                EXIT_USAGE,
                as_json,
            )
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


# --- a dossier of the dms: ``lienthong.dms.archiving`` does the work (Django set up here) ---


def dms_package(
    reference: str | None,
    agency: str | None,
    out: Path,
    created: str | None,
    package_id: str | None,
    as_json: bool,
    folder_given: Path | None,
) -> None:
    """``lienthong archive package DOSSIER --agency CODE -o OUT``."""
    with _reported(as_json):
        if reference is None or agency is None or folder_given is not None:
            fail(
                "usage",
                "a dms DOSSIER takes --agency CODE and no --dir/--metadata",
                EXIT_USAGE,
                as_json,
            )
        when = _when(created, as_json) if created else None
        from .dms.errors import DmsError, DmsUnavailable, NotFound

        try:
            from .dms import server

            server.setup_django()
            with server.environment_errors():
                server.require_migrated()
                from .dms.archiving import package_for_agency

                with atomic_output(out) as stream:
                    made = package_for_agency(
                        agency, reference, stream, created=when, package_id=package_id
                    )
        except DmsError as exc:
            usage = isinstance(exc, DmsUnavailable | NotFound)
            fail(exc.code, exc.message, EXIT_USAGE if usage else EXIT_BAD_INPUT, as_json)
        except ValueError as exc:  # an impossible LIENTHONG_DMS_* value
            fail("dms-misconfigured", str(exc), EXIT_USAGE, as_json)
        shown = {**made.as_dict(), "output": str(out), "bytes": out.stat().st_size}
        if as_json:
            emit_json(shown)
        else:
            ltv = "B-LTA" if made.long_term_validation else "long-term validation not done"
            console.print(
                f"[bold]{made.summary.package_id}[/]: {made.summary.documents} files, "
                f"{made.signatures} signatures ({ltv}), {shown['bytes']:,} bytes → {out}",
                highlight=False,
            )


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


FsOpt = Annotated[
    Path, typer.Option("--fs", help="The store's directory (first copy, and its catalogue).")
]
S3Opt = Annotated[
    str,
    typer.Option(
        "--s3",
        help="The store's bucket (second copy): s3://BUCKET?endpoint=http://host:port "
        "(credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or access_key/secret_key).",
    ),
]


@contextmanager
def _store_reported(as_json: bool) -> Iterator[None]:
    """A store that cannot be found or reached is the operator's set-up (exit 2); a package
    refused or a conflict is the input's (exit 1)."""
    from .archive.store import StoreLocationInvalid, StoreUnavailable

    with _reported(as_json):
        try:
            yield
        except (StoreLocationInvalid, StoreUnavailable) as exc:
            if as_json:
                emit_json({"error": exc.as_dict()})
                raise typer.Exit(EXIT_USAGE) from None
            fail(exc.code, exc.message, EXIT_USAGE, as_json)


@app.command()
def store(
    package_path: Annotated[Path, typer.Argument(metavar="PKG", help="A sealed package (zip).")],
    fs: FsOpt,
    s3: S3Opt,
    as_json: JsonOpt = False,
) -> None:
    """Keep a package in the archive store, in two copies, once `verify` finds it valid."""
    from .archive.store import PackageRefused, open_store

    with _store_reported(as_json):
        archive = open_store(fs, s3, create=True)
        try:
            stored = archive.store(package_path)
        except PackageRefused as exc:
            if not as_json:
                for p in exc.problems:
                    where = f"{p.where} " if p.where else ""
                    err_console.print(f"[red]{p.code}[/] {where}— {p.message}", highlight=False)
            raise
        if as_json:
            emit_json(stored.as_dict())
        else:
            already = " (already stored)" if stored.already_stored else ""
            console.print(
                f"[bold]{stored.package_id}[/]: {stored.size:,} bytes, SHA-256 {stored.sha256}, "
                f"in {fs} and {archive.s3.describe('')}{already}",
                highlight=False,
            )


@app.command()
def audit(fs: FsOpt, s3: S3Opt, as_json: JsonOpt = False) -> None:
    """Re-hash every stored package in both copies, repair a bad copy from the good one;
    exit 0 only when every package is (now) good in both."""
    from .archive.store import open_store

    with _store_reported(as_json):
        report = open_store(fs, s3).audit()
        if as_json:
            emit_json(report.as_dict())
        else:
            for p in report.packages:
                copies = ", ".join(
                    f"{name} {check.state}{' → repaired' if check.repaired else ''}"
                    for name, check in p.copies.items()
                )
                style = {"good": "green", "repaired": "yellow"}.get(p.outcome, "bold red")
                console.print(f"[{style}]{p.outcome}[/] {p.package_id}: {copies}", highlight=False)
                if p.outcome == "lost":
                    err_console.print(
                        f"[bold red]LOST[/] {p.package_id}: neither copy has SHA-256 {p.sha256}; "
                        "nothing was repaired — restore it from a backup",
                        highlight=False,
                    )
            console.print(
                f"{len(report.packages)} packages: {report.count('good')} good, "
                f"{report.count('repaired')} repaired, {report.count('lost')} lost, "
                f"{report.count('repair-failed')} repair failed",
                highlight=False,
            )
        if not report.ok:
            raise typer.Exit(EXIT_BAD_INPUT)
