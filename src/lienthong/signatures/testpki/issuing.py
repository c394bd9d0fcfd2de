"""Creating a test PKI and issuing from it: ``init_pki``, ``open_pki``, ``issue_*``, ``revoke``.

Each verb reads the state, changes it under a lock, writes the new files and then the state, so
a failure half-way leaves the state as it was (at worst with a stray file no record names).
"""

from __future__ import annotations

import datetime as dt
import secrets
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from certomancer.registry import PKIArchitecture
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from ..errors import PkiError
from . import architecture
from .names import (
    ORGANISATIONS_CA,
    PERSONS_CA,
    ROOT,
    SUB_CAS,
    TSA,
    agency_subject,
    checked_agency_code,
    ocsp_responder_label,
    person_subject,
    pki_subject,
    required_text,
    slug,
)
from .records import (
    DEFAULT_PORT,
    REVOCATION_REASONS,
    CertRecord,
    Kind,
    Layout,
    PkiState,
    Revocation,
    is_pki,
    load_state,
    locked,
    save_state,
    write_file,
)

# The PKI's own certificates start well in the past, so that tests may issue credentials valid
# (and sign) years ago, and end far ahead, so that "years later" validation still has a root.
_CA_BACKDATE: Final = dt.timedelta(days=3653)
_CA_LIFETIME: Final = dt.timedelta(days=10958)
_LEAF_BACKDATE: Final = dt.timedelta(days=1)
_LEAF_LIFETIME: Final = dt.timedelta(days=365)
_KEY_SIZE: Final = 2048


@dataclass(frozen=True)
class PkiInfo:
    """Where a test PKI is: its root (the trust anchor) and the addresses baked into its
    certificates. ``ocsp_url`` and ``crl_url`` are those of the organisations' sub-CA; each
    certificate carries the addresses of its own issuer."""

    root: Path
    tsa_url: str
    ocsp_url: str
    crl_url: str
    directory: Path
    port: int


@dataclass(frozen=True)
class Credential:
    """An issued signing credential: PEM key and certificate, the chain (sub-CA then root) and
    the same as a PKCS#12 file with its password."""

    key: Path
    cert: Path
    chain: Path
    p12: Path
    p12_password: str


def init_pki(directory: Path, *, port: int = DEFAULT_PORT) -> PkiInfo:
    """Create a test PKI in ``directory`` (new or empty) with ``http://127.0.0.1:port`` baked in.

    ``port=0`` picks a free loopback port now (handy for tests running side by side).
    """
    layout = Layout.of(directory)
    port = _checked_port(port)
    if is_pki(layout.directory):
        raise PkiError(f"a test PKI already exists in {layout.directory}")
    if layout.directory.exists():
        if not layout.directory.is_dir():
            raise PkiError(f"{layout.directory} is a file; a test PKI needs a folder")
        if any(layout.directory.iterdir()):
            raise PkiError(
                f"{layout.directory} is not empty; a test PKI is created in a new or empty folder"
            )
    layout.directory.mkdir(parents=True, exist_ok=True)
    with locked(layout):
        if is_pki(layout.directory):
            raise PkiError(f"a test PKI already exists in {layout.directory}")
        state = PkiState(secrets.token_hex(4), port, ())
        for record in _pki_records(state.pki_id):
            _new_key(layout, record)
            state = state.adding(record)
        arch = architecture.build(layout, state)
        for record in state.records:
            _write_certificate(layout, record, architecture.certificate(arch, record.label))
        save_state(layout, state)
    return _info(layout, state, arch)


def open_pki(directory: Path) -> PkiInfo:
    """The test PKI in ``directory``; :class:`PkiError` if the folder is not one."""
    layout = Layout.of(directory)
    state = load_state(layout)
    return _info(layout, state, architecture.build(layout, state))


def issue_agency(
    directory: Path,
    *,
    code: str,
    name: str,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    key_usage: str = "signing",
) -> Credential:
    """Issue an agency's signing credential (organisations' sub-CA); the code goes in ``UID``.

    ``key_usage="encipherment"`` gives keyEncipherment only (a certificate that must not sign);
    ``not_before``/``not_after`` make an expired or not-yet-valid credential (naive = UTC).
    """
    code = checked_agency_code(code)
    name = required_text(name, "the agency's name")
    return _issue_credential(
        directory,
        Kind.AGENCY,
        code,
        lambda state: agency_subject(code, name),
        not_before=not_before,
        not_after=not_after,
        key_usage=key_usage,
    )


def issue_person(
    directory: Path,
    *,
    name: str,
    title: str,
    agency: str,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    key_usage: str = "signing",
) -> Credential:
    """Issue a person's signing credential (persons' sub-CA) for the agency coded ``agency``.

    The agency's name is taken from the latest agency credential of that code in this PKI, or
    is the code itself when the PKI issued none.
    """
    name = required_text(name, "the person's name")
    title = required_text(title, "the person's title")
    code = checked_agency_code(agency)
    return _issue_credential(
        directory,
        Kind.PERSON,
        slug(name),
        lambda state: person_subject(name, title, code, _agency_name(state, code)),
        not_before=not_before,
        not_after=not_after,
        key_usage=key_usage,
    )


def revoke(
    directory: Path,
    cert: Path,
    *,
    reason: str = "key_compromise",
    at: dt.datetime | None = None,
) -> None:
    """Revoke the certificate in file ``cert`` as of ``at`` (default now): from then on the CRL
    of its issuer lists it and OCSP answers "revoked"."""
    if reason not in REVOCATION_REASONS:
        raise PkiError(
            f"unknown revocation reason {reason!r}; use one of: {', '.join(REVOCATION_REASONS)}"
        )
    when = _utc(at) if at is not None else _now()
    target = _read_certificate(Path(cert))
    layout = Layout.of(directory)
    with _changing(layout) as state:
        record = _record_of(layout, state, target)
        if record is None:
            raise PkiError(f"{cert} was not issued by the test PKI in {layout.directory}")
        if record.kind is Kind.ROOT:
            raise PkiError("the root cannot be revoked; create a new test PKI instead")
        if record.revocation is not None:
            raise PkiError(f"{cert} was already revoked on {record.revocation.at.isoformat()}")
        save_state(layout, state.revoking(record.label, Revocation(when, reason)))


@contextmanager
def _changing(layout: Layout) -> Iterator[PkiState]:
    load_state(layout)  # refuses a folder that is not a PKI before touching it
    with locked(layout):
        yield load_state(layout)


def _pki_records(pki_id: str) -> list[CertRecord]:
    now = _now()
    start, end = now - _CA_BACKDATE, now + _CA_LIFETIME

    def record(label: str, kind: Kind, issuer: str) -> CertRecord:
        return CertRecord(
            label=label,
            kind=kind,
            issuer=issuer,
            subject=pki_subject(label, pki_id),
            serial=x509.random_serial_number(),
            not_before=start,
            not_after=end,
        )

    return [
        record(ROOT, Kind.ROOT, ROOT),
        *(record(ca, Kind.SUB_CA, ROOT) for ca in SUB_CAS),
        *(record(ocsp_responder_label(ca), Kind.OCSP_RESPONDER, ca) for ca in SUB_CAS),
        record(TSA, Kind.TSA, ROOT),
    ]


# Which sub-CA issues each kind of credential.
_ISSUERS: Final = {Kind.AGENCY: ORGANISATIONS_CA, Kind.PERSON: PERSONS_CA}


def _issue_credential(
    directory: Path,
    kind: Kind,
    holder: str,
    subject: Callable[[PkiState], Mapping[str, str]],
    *,
    not_before: dt.datetime | None,
    not_after: dt.datetime | None,
    key_usage: str,
) -> Credential:
    """Issue a ``kind`` credential labelled after ``holder``, its subject made from the state
    (read under the lock), and write its files."""
    usage = _checked_key_usage(key_usage)
    start, end = _leaf_validity(not_before, not_after)
    layout = Layout.of(directory)
    with _changing(layout) as state:
        record = CertRecord(
            label=_new_label(layout, state, f"{kind.value}-{holder}"),
            kind=kind,
            issuer=_ISSUERS[kind],
            subject=subject(state),
            serial=x509.random_serial_number(),
            not_before=start,
            not_after=end,
            key_usage=usage,
            p12_password=secrets.token_urlsafe(12),
        )
        return _issue_leaf(layout, state, record)


def _issue_leaf(layout: Layout, state: PkiState, record: CertRecord) -> Credential:
    key = _new_key(layout, record)
    state = state.adding(record)
    cert = architecture.certificate(architecture.build(layout, state), record.label)
    chain = _chain(layout, state, record)
    _write_certificate(layout, record, cert)
    write_file(
        layout.chain(record.label),
        b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain),
    )
    password = record.p12_password or ""
    write_file(
        layout.p12(record.label),
        pkcs12.serialize_key_and_certificates(
            name=record.subject["common_name"].encode("utf-8"),
            key=key,
            cert=cert,
            cas=chain,
            encryption_algorithm=serialization.BestAvailableEncryption(password.encode("utf-8")),
        ),
        private=True,
    )
    save_state(layout, state)
    return Credential(
        key=layout.key(record),
        cert=layout.cert(record),
        chain=layout.chain(record.label),
        p12=layout.p12(record.label),
        p12_password=password,
    )


def _chain(layout: Layout, state: PkiState, record: CertRecord) -> list[x509.Certificate]:
    """The issuer's certificate, its issuer's, … up to the root."""
    chain = []
    current = state.get(record.issuer)
    while True:
        chain.append(x509.load_pem_x509_certificate(layout.cert(current).read_bytes()))
        if current.kind is Kind.ROOT:
            return chain
        current = state.get(current.issuer)


def _new_label(layout: Layout, state: PkiState, name: str) -> str:
    """``0007-agency-000.00.00.G01``: numbered, so the same holder can have several credentials."""
    labels = {r.label for r in state.records}
    number = sum(1 for r in state.records if r.kind.is_leaf) + 1
    while True:
        label = f"{number:04d}-{name}"
        # A folder left by an interrupted issue is not reused: its files belong to no record.
        if label not in labels and not layout.leaf_folder(label).exists():
            return label
        number += 1


def _agency_name(state: PkiState, code: str) -> str:
    agencies = [r for r in state.of_kind(Kind.AGENCY) if r.subject.get("user_id") == code]
    return agencies[-1].subject["organization_name"] if agencies else code


def _new_key(layout: Layout, record: CertRecord) -> rsa.RSAPrivateKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_SIZE)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_file(layout.key(record), pem, private=True)
    return key


def _write_certificate(layout: Layout, record: CertRecord, cert: x509.Certificate) -> None:
    write_file(layout.cert(record), cert.public_bytes(serialization.Encoding.PEM))


def _record_of(layout: Layout, state: PkiState, target: x509.Certificate) -> CertRecord | None:
    for record in state.records:
        if record.serial != target.serial_number:
            continue
        path = layout.cert(record)
        if path.is_file() and x509.load_pem_x509_certificate(path.read_bytes()) == target:
            return record
    return None


def _read_certificate(path: Path) -> x509.Certificate:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PkiError(f"{path}: no such file") from None
    except OSError as exc:
        raise PkiError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise PkiError(f"{path} is not a certificate (PEM or DER)") from None


def _info(layout: Layout, state: PkiState, arch: PKIArchitecture) -> PkiInfo:
    root = layout.cert(state.get(ROOT))
    if not root.is_file():
        raise PkiError(f"{root} is missing; the test PKI in {layout.directory} is damaged")
    return PkiInfo(
        root=root,
        tsa_url=architecture.tsa_url(arch),
        ocsp_url=architecture.ocsp_url(arch, ORGANISATIONS_CA),
        crl_url=architecture.crl_url(arch, ORGANISATIONS_CA),
        directory=layout.directory,
        port=state.port,
    )


def _checked_port(port: int) -> int:
    if port == 0:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((architecture.LOOPBACK, 0))
            return int(probe.getsockname()[1])
    if not 1 <= port <= 65535:
        raise PkiError(f"port {port} is not a TCP port (1-65535, or 0 for a free one)")
    return port


def _checked_key_usage(key_usage: str) -> str:
    if key_usage not in architecture.LEAF_KEY_USAGES:
        raise PkiError(
            f"unknown key usage {key_usage!r}; use one of: "
            f"{', '.join(architecture.LEAF_KEY_USAGES)}"
        )
    return key_usage


def _leaf_validity(
    not_before: dt.datetime | None, not_after: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    if not_before is not None and not_after is not None:
        start, end = _utc(not_before), _utc(not_after)
    elif not_before is not None:
        start = _utc(not_before)
        end = start + _LEAF_LIFETIME
    elif not_after is not None:
        end = _utc(not_after)
        start = end - _LEAF_LIFETIME
    else:
        now = _now()
        start, end = now - _LEAF_BACKDATE, now + _LEAF_LIFETIME
    if end <= start:
        raise PkiError(
            f"not_after ({end.isoformat()}) must be later than not_before ({start.isoformat()})"
        )
    return start, end


def _utc(moment: dt.datetime) -> dt.datetime:
    """Aware UTC, whole seconds (as certificates hold); a naive time is taken as UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).replace(microsecond=0)


def _now() -> dt.datetime:
    return _utc(dt.datetime.now(dt.UTC))
