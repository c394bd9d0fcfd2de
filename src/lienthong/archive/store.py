"""The archive store: every sealed package kept in two copies — a file-system directory and an
S3-compatible bucket — with a catalogue of what must be there, a fixity audit that re-hashes
both copies and repairs one from the other, and a PREMIS event log per package.

Layout (the same keys in the directory and in the bucket)::

    catalogue.json                      what is stored: id, SHA-256, size, stored-at, fixity history
    packages/ID/ID.zip                  the sealed package, never rewritten
    packages/ID/premis-events.xml       its PREMIS events since: ingestion, fixity checks, repairs

The directory is the catalogue's home; the bucket holds a mirror of it and of each event log,
written after every change, so that losing the directory loses no history. The catalogue is
JSON (see docs/archive.md for why not SQLite), replaced whole and atomically, under an exclusive
lock on ``.lock`` so that a ``store`` and an ``audit`` never interleave.

A copy is repaired only from the other copy, and only when that one hashes to the catalogue's
SHA-256; when neither does, nothing is written and the package is reported lost.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import re
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ..s3location import S3UrlInvalid, parse_s3_url
from .copies import CHUNK, Copy, CopyDamaged, FileSystemCopy, S3Copy, StoreUnavailable
from .errors import ArchiveError
from .eventlog import append_events
from .files import open_package
from .package import software
from .premis import PreservationEvent
from .problems import Problem
from .verify import verify_package
from .xmlio import XmlUnreadable, parse_xml

CATALOGUE: Final = "catalogue.json"
FORMAT: Final = "lienthong-archive-store/1"
_SAFE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
COPY_NAMES: Final = {"fs": "file-system copy", "s3": "S3 copy"}


class StoreLocationInvalid(ArchiveError):
    """The ``--fs`` directory or the ``--s3`` URL does not name a usable store."""

    code = "store-location-invalid"


class PackageRefused(ArchiveError):
    """``verify`` does not find the package valid, or it is not a sealed package zip."""

    code = "package-invalid"

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []

    def as_dict(self) -> dict[str, object]:
        return super().as_dict() | {"problems": [p.as_dict() for p in self.problems]}


class PackageConflict(ArchiveError):
    """A different package with the same identifier is already stored: sealed is sealed."""

    code = "package-conflict"


def key_of(package_id: str) -> str:
    return f"packages/{package_id}/{package_id}.zip"


def log_key(package_id: str) -> str:
    return f"packages/{package_id}/premis-events.xml"


@dataclass(frozen=True)
class StoredPackage:
    package_id: str
    sha256: str
    size: int
    stored_at: str
    already_stored: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "package": self.package_id,
            "sha256": self.sha256,
            "size": self.size,
            "stored_at": self.stored_at,
            "already_stored": self.already_stored,
        }


@dataclass
class CopyCheck:
    state: str  # "good", "corrupt", "missing"
    sha256: str | None
    repaired: bool = False
    error: str = ""  # why a repair failed

    def as_dict(self) -> dict[str, object]:
        shown: dict[str, object] = {
            "state": self.state,
            "sha256": self.sha256,
            "repaired": self.repaired,
        }
        if self.error:
            shown["error"] = self.error
        return shown


@dataclass
class PackageAudit:
    package_id: str
    sha256: str
    copies: dict[str, CopyCheck]
    outcome: str  # "good", "repaired", "lost" (no good copy), "repair-failed"

    @property
    def good(self) -> bool:
        return self.outcome in ("good", "repaired")

    def as_dict(self) -> dict[str, object]:
        return {
            "package": self.package_id,
            "sha256": self.sha256,
            "outcome": self.outcome,
            **{name: check.as_dict() for name, check in self.copies.items()},
        }


@dataclass
class AuditReport:
    packages: list[PackageAudit] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(p.good for p in self.packages)

    def count(self, outcome: str) -> int:
        return sum(p.outcome == outcome for p in self.packages)

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "checked": len(self.packages),
            "good": self.count("good"),
            "repaired": self.count("repaired"),
            "lost": self.count("lost"),
            "repair_failed": self.count("repair-failed"),
            "packages": [p.as_dict() for p in self.packages],
        }


class ArchiveStore:
    def __init__(self, fs: FileSystemCopy, s3: S3Copy) -> None:
        self.fs = fs
        self.s3 = s3
        self.root = fs.root

    # --- store ---------------------------------------------------------------------------------

    def store(self, package: Path, *, now: dt.datetime | None = None) -> StoredPackage:
        """Put a sealed package zip in both copies, after ``verify`` finds it valid."""
        when = _now(now)
        package_id, report_detail = _checked_package(package)
        sha256, size = _hash_file(package)
        with self._locked():
            catalogue = self._read_catalogue()
            known = catalogue["packages"].get(package_id)
            if known is not None:
                if known["sha256"] != sha256:
                    raise PackageConflict(
                        f"{package_id} is already stored with SHA-256 {known['sha256']}; "
                        f"{package} has {sha256}: a sealed package is never replaced"
                    )
                return StoredPackage(
                    package_id, sha256, size, known["stored_at"], already_stored=True
                )
            key = key_of(package_id)
            self.fs.put_file(key, package, sha256)
            try:
                self.s3.put_file(key, package, sha256)
            except ArchiveError:
                (self.root / key).unlink(missing_ok=True)  # no half-stored package
                raise
            stored_at = when.isoformat()
            events = [
                _event("validation", when, "success", report_detail, package_id),
                _event(
                    "ingestion",
                    when,
                    "success",
                    f"stored as {key} in two copies: {self.fs.describe(key)} and "
                    f"{self.s3.describe(key)}",
                    package_id,
                    f"SHA-256 {sha256}, {size} bytes",
                ),
            ]
            self._append_log(package_id, events)
            catalogue["packages"][package_id] = {
                "sha256": sha256,
                "size": size,
                "stored_at": stored_at,
                "fixity": [],
            }
            self._write_catalogue(catalogue)
        return StoredPackage(package_id, sha256, size, stored_at)

    # --- audit ---------------------------------------------------------------------------------

    def audit(self, *, now: dt.datetime | None = None) -> AuditReport:
        """Re-hash every catalogued package in both copies; repair a bad copy from a good one."""
        report = AuditReport()
        with self._locked():
            catalogue = self._read_catalogue()
            self.s3.reachable()  # an unreachable server is the operator's problem, said once
            for package_id, entry in sorted(catalogue["packages"].items()):
                audited = self._audit_one(package_id, entry, _now(now))
                report.packages.append(audited)
                entry.setdefault("fixity", []).append(
                    {
                        "at": _now(now).isoformat(),
                        "outcome": audited.outcome,
                        **{
                            name: check.state + (" → repaired" if check.repaired else "")
                            for name, check in audited.copies.items()
                        },
                    }
                )
            if catalogue["packages"]:
                self._write_catalogue(catalogue)
        return report

    def _audit_one(self, package_id: str, entry: dict[str, Any], when: dt.datetime) -> PackageAudit:
        expected = str(entry["sha256"])
        key = key_of(package_id)
        copies: dict[str, Copy] = {"fs": self.fs, "s3": self.s3}
        checks: dict[str, CopyCheck] = {}
        events: list[PreservationEvent] = []
        for name, copy in copies.items():
            found = copy.sha256(key)
            state = "missing" if found is None else "good" if found == expected else "corrupt"
            checks[name] = CopyCheck(state, found)
            events.append(
                _event(
                    "fixity check",
                    when,
                    "success" if state == "good" else "failure",
                    f"SHA-256 of the {COPY_NAMES[name]} {copy.describe(key)} compared with the "
                    "catalogue",
                    package_id,
                    f"expected {expected}; "
                    + ("the copy is missing" if found is None else f"found {found}"),
                )
            )
        good = [name for name, check in checks.items() if check.state == "good"]
        bad = [name for name, check in checks.items() if check.state != "good"]
        if not bad:
            outcome = "good"
        elif not good:
            outcome = "lost"  # nothing is written from bytes that do not match the catalogue
        else:
            outcome = "repaired"
            source = good[0]
            for name in bad:
                target = copies[name]
                try:
                    target.copy_from(copies[source], key, expected)
                    repaired_sha = target.sha256(key)
                    if repaired_sha != expected:
                        raise CopyDamaged(
                            f"{target.describe(key)} still has SHA-256 {repaired_sha} after repair"
                        )
                except CopyDamaged as exc:
                    checks[name].error = exc.message
                    outcome = "repair-failed"
                    events.append(
                        _repair_event(when, "failure", name, source, key, package_id, exc.message)
                    )
                    continue
                checks[name].repaired = True
                events.append(
                    _repair_event(
                        when,
                        "success",
                        name,
                        source,
                        key,
                        package_id,
                        f"SHA-256 {expected} after the repair",
                    )
                )
        self._append_log(package_id, events)
        return PackageAudit(package_id, expected, checks, outcome)

    # --- the catalogue and the event logs ------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.root / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read_catalogue(self) -> dict[str, Any]:
        path = self.root / CATALOGUE
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            if (self.root / "packages").exists():
                raise StoreLocationInvalid(
                    f"{path} is missing but {self.root / 'packages'} is not empty: restore the "
                    f"catalogue (its mirror is {self.s3.describe(CATALOGUE)}) before storing or "
                    "auditing"
                ) from None
            return {"format": FORMAT, "packages": {}}
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise StoreLocationInvalid(f"{path} is not a catalogue: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StoreLocationInvalid(f"{path} is not a {FORMAT} catalogue")
        return data

    def _write_catalogue(self, catalogue: dict[str, Any]) -> None:
        data = (json.dumps(catalogue, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
        self.fs.write(CATALOGUE, data)
        self.s3.write(CATALOGUE, data)

    def _append_log(self, package_id: str, events: list[PreservationEvent]) -> None:
        key = log_key(package_id)
        # The directory's log, else the bucket's mirror (the directory lost it), else a new one.
        current = self.fs.read(key)
        if current is None:
            current = self.s3.read(key)
        log = append_events(current, package_id, events, software())
        self.fs.write(key, log)
        self.s3.write(key, log)


def open_store(fs_dir: Path, s3_url: str, *, create: bool = False) -> ArchiveStore:
    """The store at ``fs_dir`` (made when ``create``) and ``s3_url`` (``s3://BUCKET?…``)."""
    try:
        location = parse_s3_url(s3_url, name="--s3")
    except S3UrlInvalid as exc:
        raise StoreLocationInvalid(str(exc)) from None
    if fs_dir.exists() and not fs_dir.is_dir():
        raise StoreLocationInvalid(f"--fs {fs_dir} is not a directory")
    if not fs_dir.exists():
        if not create:
            raise StoreLocationInvalid(f"--fs {fs_dir}: no such directory (no store there)")
        try:
            fs_dir.mkdir(parents=True)
        except OSError as exc:
            raise StoreLocationInvalid(f"--fs {fs_dir} cannot be created: {exc.strerror}") from None
    return ArchiveStore(FileSystemCopy(fs_dir), S3Copy(location))


def read_log(store: ArchiveStore, package_id: str) -> bytes | None:
    """The package's PREMIS event log from the directory."""
    return store.fs.read(log_key(package_id))


# --- helpers -------------------------------------------------------------------------------------


def _checked_package(path: Path) -> tuple[str, str]:
    """The package identifier (METS OBJID) of a valid sealed zip, and the verify summary."""
    if not path.is_file():
        if path.is_dir():
            raise PackageRefused(f"{path}: the store keeps sealed packages (zip), not folders")
        raise FileNotFoundError(2, "no such file", str(path))
    try:
        report = verify_package(path)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        # A member whose bytes no longer match the zip's own CRC: damaged before it got here.
        raise PackageRefused(f"{path}: the zip is damaged ({exc})") from None
    if not report.valid:
        raise PackageRefused(
            f"{path}: verify finds {len(report.problems)} problem(s); only a valid package is "
            "stored",
            report.problems,
        )
    with open_package(path) as files:
        try:
            root = parse_xml(files.read(report.mets[0])).getroot()
        except (XmlUnreadable, IndexError, KeyError) as exc:  # pragma: no cover - verify read it
            raise PackageRefused(f"{path}: no package METS ({exc})") from None
    package_id = root.get("OBJID") or ""
    if not _SAFE_ID.fullmatch(package_id):
        raise PackageRefused(
            f"{path}: the package identifier {package_id!r} cannot name a file and an object "
            "(letters, digits, '.', '_' and '-' only)"
        )
    detail = (
        f"lienthong archive verify: valid ({report.envelope} envelope, {len(report.mets)} METS, "
        f"{report.files} files, {len(report.checked)} CSIP requirements checked)"
    )
    return package_id, detail


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC).replace(microsecond=0)


def _event(
    kind: str,
    when: dt.datetime,
    outcome: str,
    detail: str,
    package_id: str,
    outcome_detail: str = "",
) -> PreservationEvent:
    return PreservationEvent(
        type=kind,
        at=when,
        outcome=outcome,
        detail=detail,
        outcome_detail=outcome_detail,
        objects=(package_id,),
        identifier=f"uuid-{uuid.uuid4()}",
    )


def _repair_event(
    when: dt.datetime,
    outcome: str,
    target: str,
    source: str,
    key: str,
    package_id: str,
    note: str,
) -> PreservationEvent:
    # PREMIS has no "repair" event type; a repair is a replication from the good copy.
    return _event(
        "replication",
        when,
        outcome,
        f"repair of the {COPY_NAMES[target]} of {key} from the {COPY_NAMES[source]}, whose "
        "SHA-256 matches the catalogue",
        package_id,
        note,
    )


__all__ = [
    "ArchiveStore",
    "AuditReport",
    "PackageAudit",
    "PackageConflict",
    "PackageRefused",
    "StoreLocationInvalid",
    "StoreUnavailable",
    "StoredPackage",
    "open_store",
]
