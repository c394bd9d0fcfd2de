"""The test PKI's folder: its state file, where every key and certificate lives, safe writes.

``lienthong-pki.json`` is the source of truth: every certificate the PKI issued, with its serial,
validity, subject and revocation. Keys and certificates are files beside it, written once: a
certificate is never generated again, so what a caller received stays what the PKI serves.

Layout of a PKI folder::

    lienthong-pki.json          the state (this module)
    root.pem                    the root certificate: the trust anchor to hand to verifiers
    ca/<label>.pem, .key.pem    sub-CAs, OCSP responders and the TSA
    issued/<label>/             one folder per agency or person credential:
        key.pem cert.pem chain.pem credential.p12
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from ..errors import PkiError

DEFAULT_PORT: Final = 9123

# RFC 5280 reasons that mean a revocation (certificateHold and removeFromCRL do not).
REVOCATION_REASONS: Final = (
    "unspecified",
    "key_compromise",
    "ca_compromise",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
    "privilege_withdrawn",
    "aa_compromise",
)

STATE_FILE: Final = "lienthong-pki.json"
_LOCK_FILE: Final = ".lienthong-pki.lock"
_FORMAT: Final = "lienthong-pki/1"


class Kind(StrEnum):
    """What a certificate of the test PKI is for."""

    ROOT = "root"
    SUB_CA = "sub-ca"
    OCSP_RESPONDER = "ocsp-responder"
    TSA = "tsa"
    AGENCY = "agency"
    PERSON = "person"

    @property
    def is_leaf(self) -> bool:
        """An agency's or a person's signing credential (as opposed to the PKI's own)."""
        return self in (Kind.AGENCY, Kind.PERSON)


@dataclass(frozen=True)
class Revocation:
    at: dt.datetime
    reason: str


@dataclass(frozen=True)
class CertRecord:
    """One certificate the PKI issued; ``subject`` maps asn1crypto attribute names to values."""

    label: str
    kind: Kind
    issuer: str
    subject: Mapping[str, str] = field(hash=False)
    serial: int
    not_before: dt.datetime
    not_after: dt.datetime
    key_usage: str | None = None
    revocation: Revocation | None = None
    p12_password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PkiState:
    pki_id: str
    port: int
    records: tuple[CertRecord, ...]

    def get(self, label: str) -> CertRecord:
        for record in self.records:
            if record.label == label:
                return record
        raise PkiError(f"the test PKI has no certificate labelled {label!r}; the folder is damaged")

    def of_kind(self, kind: Kind) -> list[CertRecord]:
        return [r for r in self.records if r.kind is kind]

    def issued_by(self, issuer: str) -> list[CertRecord]:
        return [r for r in self.records if r.issuer == issuer and r.label != issuer]

    def adding(self, record: CertRecord) -> PkiState:
        return replace(self, records=(*self.records, record))

    def revoking(self, label: str, revocation: Revocation) -> PkiState:
        records = tuple(
            replace(r, revocation=revocation) if r.label == label else r for r in self.records
        )
        return replace(self, records=records)


@dataclass(frozen=True)
class Layout:
    """Where each file of a PKI folder lives (``directory`` is absolute)."""

    directory: Path

    @classmethod
    def of(cls, directory: Path) -> Layout:
        return cls(Path(directory).expanduser().resolve())

    @property
    def state(self) -> Path:
        return self.directory / STATE_FILE

    def key(self, record: CertRecord) -> Path:
        if record.kind.is_leaf:
            return self.leaf_folder(record.label) / "key.pem"
        return self.directory / "ca" / f"{record.label}.key.pem"

    def cert(self, record: CertRecord) -> Path:
        if record.kind is Kind.ROOT:
            return self.directory / "root.pem"
        if record.kind.is_leaf:
            return self.leaf_folder(record.label) / "cert.pem"
        return self.directory / "ca" / f"{record.label}.pem"

    def leaf_folder(self, label: str) -> Path:
        return self.directory / "issued" / label

    def chain(self, label: str) -> Path:
        return self.leaf_folder(label) / "chain.pem"

    def p12(self, label: str) -> Path:
        return self.leaf_folder(label) / "credential.p12"


def is_pki(directory: Path) -> bool:
    return (directory / STATE_FILE).is_file()


@contextmanager
def locked(layout: Layout) -> Iterator[None]:
    """Serialise read-modify-write of the state between processes (a CLI call is a process)."""
    with open(layout.directory / _LOCK_FILE, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_file(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``path`` whole or not at all; ``private`` files (keys) are for the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        if not private:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def load_state(layout: Layout) -> PkiState:
    """Read the state file; :class:`PkiError` says clearly when the folder is not a test PKI."""
    try:
        text = layout.state.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PkiError(
            f"{layout.directory} is not a test PKI folder (it has no {STATE_FILE}); "
            f"create one with: lienthong pki init {layout.directory}"
        ) from None
    try:
        return _state_from_json(json.loads(text))
    except (ValueError, KeyError, TypeError) as exc:
        raise PkiError(f"{layout.state} is damaged and cannot be read: {exc}") from None


def save_state(layout: Layout, state: PkiState) -> None:
    text = json.dumps(_state_to_json(state), ensure_ascii=False, indent=2) + "\n"
    write_file(layout.state, text.encode("utf-8"))


def _state_to_json(state: PkiState) -> dict[str, Any]:
    return {
        "format": _FORMAT,
        "id": state.pki_id,
        "port": state.port,
        "certificates": [_record_to_json(r) for r in state.records],
    }


def _record_to_json(record: CertRecord) -> dict[str, Any]:
    revocation = record.revocation
    return {
        "label": record.label,
        "kind": record.kind.value,
        "issuer": record.issuer,
        "subject": dict(record.subject),
        "serial": record.serial,
        "not_before": record.not_before.isoformat(),
        "not_after": record.not_after.isoformat(),
        "key_usage": record.key_usage,
        "revocation": None
        if revocation is None
        else {"at": revocation.at.isoformat(), "reason": revocation.reason},
        "p12_password": record.p12_password,
    }


def _state_from_json(data: dict[str, Any]) -> PkiState:
    if data.get("format") != _FORMAT:
        raise ValueError(f"unknown format {data.get('format')!r} (expected {_FORMAT!r})")
    return PkiState(
        pki_id=str(data["id"]),
        port=int(data["port"]),
        records=tuple(_record_from_json(r) for r in data["certificates"]),
    )


def _record_from_json(data: dict[str, Any]) -> CertRecord:
    revocation = data.get("revocation")
    return CertRecord(
        label=str(data["label"]),
        kind=Kind(data["kind"]),
        issuer=str(data["issuer"]),
        subject={str(k): str(v) for k, v in data["subject"].items()},
        serial=int(data["serial"]),
        not_before=dt.datetime.fromisoformat(data["not_before"]),
        not_after=dt.datetime.fromisoformat(data["not_after"]),
        key_usage=data.get("key_usage"),
        revocation=None
        if revocation is None
        else Revocation(dt.datetime.fromisoformat(revocation["at"]), str(revocation["reason"])),
        p12_password=data.get("p12_password"),
    )
