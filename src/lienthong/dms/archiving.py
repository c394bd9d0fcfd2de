"""A closed dossier of the dms as an archive package (E-ARK CSIP SIP, ``lienthong.archive``).

The dms's side of the archive: which files a dossier's documents are (the stored PDFs and
edXML messages, incoming and outgoing), their fields under the names of STANDARDS.md §5, the
long-term validation of every signed PDF (PAdES B-LTA with ``lienthong.archive.ltv`` when a
time-stamp authority is configured; otherwise the package says that it was not done), and the
PREMIS events: each document's processing history from the dms's own records, and each
signature's validation. ``lienthong.archive`` stays Django-free; this module is the only bridge.

One function per door: :func:`package_for_user` (the dossier page: archivist or leader of the
dossier's agency) and :func:`package_for_agency` (``lienthong archive package DOSSIER --agency
CODE``, an operator's command), both calling :func:`write_dossier_package`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone, translation

from lienthong.archive.errors import MetadataError
from lienthong.archive.ltv import extend_to_lta
from lienthong.archive.metadata import Dossier as ArchiveDossier
from lienthong.archive.metadata import read_dossier
from lienthong.archive.package import REPRESENTATION, PackageSummary, write_package
from lienthong.archive.pdfa import check_pdfa
from lienthong.archive.premis import PreservationEvent
from lienthong.dms import storage
from lienthong.dms.agencies.models import Agency, User
from lienthong.dms.agencies.roles import Action, require, require_same_agency
from lienthong.dms.dossiers.models import Dossier
from lienthong.dms.errors import NotArchivable, NotFound, WrongState
from lienthong.dms.incoming.models import IncomingDocument
from lienthong.dms.labels import event_label
from lienthong.dms.outgoing.models import OutgoingDocument
from lienthong.dms.trust import policy
from lienthong.errors import CodedError

LANGUAGE = "Tiếng Việt"
BORN_DIGITAL = "01"  # confidenceLevel: every document of the dms is born digital
LTV_NOT_DONE = (
    "long-term validation not done: no time-stamp authority is configured "
    "(LIENTHONG_DMS_TSA_URL), so the signatures were not extended to PAdES B-LTA"
)


@dataclass
class DossierFile:
    """One file of the package: its name in the package, where its bytes are, whether it is a
    PDF (signatures to validate) or an edXML message (its XML signature)."""

    name: str
    sha256: str
    kind: str  # "pdf" | "edxml" | "other"


@dataclass
class DossierDocument:
    """A document of the dossier, numbered within it, with its §5 fields and its files."""

    ordinal: int
    record: IncomingDocument | OutgoingDocument
    fields: dict[str, Any]
    files: list[DossierFile] = field(default_factory=list)

    @property
    def doc_code(self) -> str:
        return str(self.fields["docCode"])


@dataclass(frozen=True)
class DossierPackage:
    """What was written: the library's summary, the number of PREMIS events recorded, and
    whether every signed PDF was extended to B-LTA (False when no TSA is configured)."""

    summary: PackageSummary
    events: int
    long_term_validation: bool
    signatures: int

    def as_dict(self) -> dict[str, object]:
        return {
            "package": self.summary.package_id,
            "documents": self.summary.documents,
            "files": self.summary.files,
            "payload_bytes": self.summary.payload_bytes,
            "events": self.events,
            "signatures": self.signatures,
            "long_term_validation": self.long_term_validation,
        }


# --- the doors -------------------------------------------------------------------------------


def package_for_user(
    user: User, dossier: Dossier, out: IO[bytes], *, created: dt.datetime | None = None
) -> DossierPackage:
    """The dossier page's button: an archivist or a leader of the dossier's agency."""
    require(user, Action.ARCHIVE)
    require_same_agency(user, dossier.agency_id)
    return write_dossier_package(dossier, out, created=created, by=user.display_name)


def find_dossier(agency_code: str, reference: str) -> Dossier:
    """The dossier ``reference`` (its id, or its file code) of the agency ``agency_code``;
    :class:`NotFound` for a dossier of another agency as for one that does not exist."""
    agency = Agency.objects.filter(code=agency_code).first()
    if agency is None:
        raise NotFound(f"no agency {agency_code} is hosted here")
    dossiers = Dossier.objects.filter(agency=agency).select_related("agency")
    found = dossiers.filter(pk=int(reference)).first() if reference.isdigit() else None
    if found is None:
        prefix = f"{agency.code}."
        if reference.startswith(prefix):
            year, _, notation = reference.removeprefix(prefix).partition(".")
            if year.isdigit():
                found = dossiers.filter(year=int(year), file_notation=notation).first()
    if found is None:
        raise NotFound(f"agency {agency.code} has no dossier {reference}")
    return found


def package_for_agency(
    agency_code: str,
    reference: str,
    out: IO[bytes],
    *,
    created: dt.datetime | None = None,
    package_id: str | None = None,
) -> DossierPackage:
    """``lienthong archive package DOSSIER --agency CODE``: the operator's command."""
    dossier = find_dossier(agency_code, reference)
    return write_dossier_package(
        dossier, out, created=created, package_id=package_id, by="lienthong archive package"
    )


# --- the package -----------------------------------------------------------------------------


def write_dossier_package(
    dossier: Dossier,
    out: IO[bytes],
    *,
    created: dt.datetime | None = None,
    package_id: str | None = None,
    by: str = "",
) -> DossierPackage:
    """Write the SIP of a closed ``dossier`` to ``out``. Refused (:class:`WrongState`) for a
    dossier that is open or whose documents were disposed of; :class:`NotArchivable` lists the
    metadata that is missing."""
    if dossier.state != Dossier.State.CLOSED:
        raise WrongState(
            f"dossier {dossier.file_code} is {dossier.get_state_display()}: "
            "only a closed dossier is packaged for the archive"
        )
    when = (created or timezone.now()).replace(microsecond=0)
    documents = dossier_documents(dossier)
    _metadata(dossier, documents, {})  # missing fields refused before any long work
    formats: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="lienthong-sip-") as scratch:
        sources: dict[str, Path] = {}
        events = _history_events(documents)
        tsa_url = settings.LIENTHONG_DMS.tsa_url
        checked, ltv_done = 0, bool(tsa_url)
        for document in documents:
            for f in document.files:
                data = storage.get(f.sha256)
                if f.kind == "pdf":
                    data, found, signed, complete = _validated_pdf(data, _object(f), tsa_url, when)
                    events.extend(found)
                    checked += signed
                    ltv_done = ltv_done and complete
                    formats[f.name], pdfa_event = _pdfa_event(data, _object(f), when)
                    events.append(pdfa_event)
                elif f.kind == "edxml":
                    formats[f.name] = "edXML"
                    events.append(_edxml_event(data, _object(f), when))
                target = Path(scratch, f.name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                sources[f.name] = target
        if not tsa_url:
            events.append(PreservationEvent("validation", when, "warning", LTV_NOT_DONE))
        closed = timezone.localdate(dossier.closed_at) if dossier.closed_at else None
        events.append(
            PreservationEvent(
                "information package creation",
                when,
                "success",
                f"SIP of dossier {dossier.file_code} requested from the dms of "
                f"{dossier.agency.name}" + (f" by {by}" if by else "") + f"; closed on {closed}, "
                f"retention {dossier.retention_text}, hand-over due {dossier.handover_due}",
            )
        )
        metadata = _metadata(dossier, documents, formats)
        summary = write_package(
            metadata, sources, out, created=when, package_id=package_id, events=events
        )
    return DossierPackage(summary, len(events) + 1, ltv_done and checked > 0, checked)


def dossier_documents(dossier: Dossier) -> list[DossierDocument]:
    """The dossier's documents in the order of their dates, numbered from 1, with the §5 fields
    of each (under the Circular's names) and the files the dms stores for it."""
    records: list[tuple[dt.date, int, IncomingDocument | OutgoingDocument]] = []
    for incoming in dossier.incoming.prefetch_related("files", "events"):
        day = incoming.promulgation_date or timezone.localdate(incoming.arrived_at)
        records.append((day, 0, incoming))
    for outgoing in dossier.outgoing.select_related("agency").prefetch_related("events"):
        moment = outgoing.issued_at or outgoing.created_at
        records.append((timezone.localdate(moment), 1, outgoing))
    records.sort(key=lambda r: (r[0], r[1], r[2].pk))
    documents = []
    for ordinal, (_, _, record) in enumerate(records, start=1):
        code = f"{dossier.file_code}.{ordinal:04d}"
        if isinstance(record, IncomingDocument):
            document = _incoming(ordinal, code, record)
        else:
            document = _outgoing(ordinal, code, record)
        document.fields["processingHistory"] = _history_lines(record)
        documents.append(document)
    return documents


def _incoming(ordinal: int, code: str, doc: IncomingDocument) -> DossierDocument:
    fields: dict[str, Any] = {
        "docCode": code,
        "typeName": doc.type_name,
        "codeNumber": doc.code_number,
        "codeNotation": doc.code_notation,
        "issuedDate": doc.promulgation_date.isoformat() if doc.promulgation_date else "",
        "organName": doc.sender_name or doc.sender_code,
        "subject": doc.subject,
        "language": LANGUAGE,
        "confidenceLevel": BORN_DIGITAL,
    }
    folder = f"{ordinal:04d}-van-ban-den"
    document = DossierDocument(ordinal, doc, fields)
    names: set[str] = set()
    for f in doc.files.all():
        kind = "pdf" if f.name.lower().endswith(".pdf") else "other"
        document.files.append(DossierFile(_unique(folder, f.name, names), f.sha256, kind))
    document.files.append(
        DossierFile(_unique(folder, "edxml.xml", names), doc.payload_sha256, "edxml")
    )
    return document


def _outgoing(ordinal: int, code: str, doc: OutgoingDocument) -> DossierDocument:
    issued = timezone.localdate(doc.issued_at).isoformat() if doc.issued_at else ""
    fields: dict[str, Any] = {
        "docCode": code,
        "typeName": doc.type_name,
        "codeNumber": f"{doc.number:02d}" if doc.number is not None else "",
        "codeNotation": doc.notation,
        "issuedDate": issued,
        "organName": doc.agency.name,
        "subject": doc.subject,
        "language": LANGUAGE,
        "confidenceLevel": BORN_DIGITAL,
    }
    folder = f"{ordinal:04d}-van-ban-di"
    document = DossierDocument(ordinal, doc, fields)
    names: set[str] = set()
    # The original is the last state of the PDF: signed by the agency, else by the person.
    pdf = doc.final_sha256 or doc.person_signed_sha256 or doc.draft_sha256
    stem = doc.draft_name.rsplit(".", 1)[0] if doc.draft_name else "van-ban"
    if pdf:
        document.files.append(DossierFile(_unique(folder, f"{stem}.pdf", names), pdf, "pdf"))
    if doc.edxml_sha256:
        document.files.append(
            DossierFile(_unique(folder, "edxml.xml", names), doc.edxml_sha256, "edxml")
        )
    return document


def _unique(folder: str, name: str, taken: set[str]) -> str:
    """``folder/name`` with a name safe in a package path, and not taken yet in the folder."""
    clean = re.sub(r"[\\/\x00-\x1f]+", "-", name).strip().lstrip(".") or "tep"
    stem, dot, ext = clean.rpartition(".")
    if not dot:
        stem, ext = clean, ""
    candidate, n = clean, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}"
    taken.add(candidate)
    return f"{folder}/{candidate}"


def _metadata(
    dossier: Dossier, documents: Sequence[DossierDocument], formats: dict[str, str]
) -> ArchiveDossier:
    days = sorted(str(d.fields["issuedDate"]) for d in documents if d.fields["issuedDate"])
    opened = timezone.localdate(dossier.created_at).isoformat()
    closed = timezone.localdate(dossier.closed_at).isoformat() if dossier.closed_at else ""
    start = min([*days[:1], opened])
    end = max([*days[-1:], closed or opened])
    data = {
        "dossier": {
            "fileCode": dossier.file_code,
            "title": dossier.title,
            "maintenance": dossier.maintenance,
            "mode": dossier.mode,
            "language": LANGUAGE,
            "startDate": start,
            "endDate": end,
            "totalDoc": str(len(documents)),
            "format": "Điện tử",
            "confidenceLevel": BORN_DIGITAL,
            "retentionYears": str(dossier.retention_years) if dossier.retention_years else "",
        },
        "documents": [
            {"file": f.name, **d.fields, "format": formats.get(f.name, "")}
            for d in documents
            for f in d.files
        ],
    }
    try:
        return read_dossier(data)
    except MetadataError as exc:
        raise NotArchivable(_missing_in_words(exc)) from None


def _missing_in_words(exc: MetadataError) -> str:
    parts = []
    if exc.missing:
        what = ", ".join(m.replace("dossier.maintenance", "thời hạn bảo quản") for m in exc.missing)
        parts.append(f"còn thiếu: {what}")
    if exc.invalid:
        parts.append("chưa đúng: " + "; ".join(exc.invalid))
    return "hồ sơ chưa đủ thông tin để lập gói lưu trữ — " + " — ".join(parts)


def inventory(dossier: Dossier) -> list[dict[str, Any]]:
    """What the dossier holds, for the record that outlives a disposal: each document's §5
    fields and its files (name, SHA-256)."""
    return [
        {
            "kind": "incoming" if isinstance(d.record, IncomingDocument) else "outgoing",
            "id": d.record.pk,
            **d.fields,
            "files": [{"name": f.name, "sha256": f.sha256} for f in d.files],
        }
        for d in dossier_documents(dossier)
    ]


# --- PREMIS events ---------------------------------------------------------------------------


def _object(f: DossierFile) -> str:
    return f"representations/{REPRESENTATION}/data/{f.name}"


def _history(record: IncomingDocument | OutgoingDocument) -> Iterable[tuple[dt.datetime, str, str]]:
    """(when, action, words) of each step of the document's processing, from the dms's own
    records: its events (registered, assigned, completed …) and, for an outgoing document,
    the statuses its recipients sent back."""
    # An archive package is a record: its words are Vietnamese whatever the user's language.
    for event in record.events.select_related("user").all():
        who = event.user.display_name if event.user is not None else "hệ thống"
        with translation.override("vi"):
            words = f"{event_label(event.action)} — {who}"
        yield event.at, event.action, f"{words}: {event.text}" if event.text else words
    if isinstance(record, OutgoingDocument):
        from lienthong.dms.labels import status_label

        for status in record.statuses.all():
            with translation.override("vi"):
                words = f"{status.from_code}: {status.code} {status_label(status.code)}"
            text = f"{words} — {status.description}" if status.description else words
            yield status.at, f"status-{status.code}", text


def _history_lines(record: IncomingDocument | OutgoingDocument) -> list[str]:
    return [
        f"{timezone.localtime(at).isoformat(timespec='seconds')} {text}"
        for at, _, text in _history(record)
    ]


def _history_events(documents: Sequence[DossierDocument]) -> list[PreservationEvent]:
    events = []
    for document in documents:
        objects = tuple(_object(f) for f in document.files)
        for at, action, text in _history(document.record):
            events.append(
                PreservationEvent(
                    type=action,
                    at=at,
                    outcome="success",
                    detail=f"{document.doc_code} — {text}",
                    objects=objects,
                )
            )
    events.sort(key=lambda e: e.at)
    return events


def _validated_pdf(
    data: bytes, path: str, tsa_url: str | None, when: dt.datetime
) -> tuple[bytes, list[PreservationEvent], int, bool]:
    """The PDF to archive (extended to B-LTA when a TSA is configured), its validation events
    (one per signature), the number of signatures, and whether every one was proven
    long-term."""
    from lienthong.signatures.report import validate_pdf

    trust = policy()
    if trust is None:
        why = "signatures not validated: no trust anchors (LIENTHONG_DMS_TRUST_ANCHORS)"
        return (
            data,
            [PreservationEvent("validation", when, "warning", why, objects=(path,))],
            0,
            False,
        )
    try:
        report = validate_pdf(data, trust)
    except CodedError as exc:
        failed = PreservationEvent(
            "validation", when, "failure", f"the PDF cannot be read: {exc}", objects=(path,)
        )
        return data, [failed], 0, False
    if not report.signatures:
        unsigned = PreservationEvent(
            "validation", when, "warning", "the PDF carries no digital signature", objects=(path,)
        )
        return data, [unsigned], 0, True
    if tsa_url:
        try:
            # Complete validation data, fetched now: no remembered verdicts, no soft-fail.
            archival = dataclasses.replace(trust, revocation="hard-fail", cache=None)
            extended = extend_to_lta(data, tsa_url=tsa_url, policy=archival)
        except CodedError as exc:
            failed = PreservationEvent(
                "validation",
                when,
                "failure",
                f"long-term validation failed, the PDF is kept as it was: {exc}",
                objects=(path,),
            )
            plain = _plain_events(report.signatures, path, when)
            return data, [failed, *plain], len(plain), False
        events = [
            PreservationEvent(
                "validation",
                when,
                s.outcome,
                f"PAdES signature {s.field} ({s.role}) by {s.signer}: level {s.level}, "
                "validation data embedded and covered by a document timestamp (B-LTA)",
                outcome_detail=json.dumps(s.as_dict(), ensure_ascii=False),
                objects=(path,),
            )
            for s in extended.signatures
        ]
        return extended.data, events, len(events), extended.complete
    return data, _plain_events(report.signatures, path, when), len(report.signatures), False


def _plain_events(
    signatures: Sequence[Any], path: str, when: dt.datetime
) -> list[PreservationEvent]:
    return [
        PreservationEvent(
            "validation",
            when,
            "success" if s.valid and s.trusted else "failure",
            f"PAdES signature {s.field} ({s.role}) by {s.signer}: level {s.long_term.level}, "
            "validated now; not extended to B-LTA",
            outcome_detail=json.dumps(s.as_dict(), ensure_ascii=False, default=str),
            objects=(path,),
        )
        for s in signatures
    ]


def _pdfa_event(data: bytes, path: str, when: dt.datetime) -> tuple[str, PreservationEvent]:
    """The PDF's format as the package states it (``PDF/A-2B`` only when it conforms) and the
    PREMIS event of that check: a document that is not PDF/A is reported, never relabelled."""
    check = check_pdfa(data)
    if check.conforms:
        name = f"PDF/A-{check.flavour.upper()}"
        detail = f"format validation: {name} ({check.checked_by})"
        return name, PreservationEvent("validation", when, "success", detail, objects=(path,))
    problems = "; ".join(sorted({p.message for p in check.problems if p.blocking})) or (
        "; ".join(sorted({p.code for p in check.problems}))
    )
    detail = f"format validation: not PDF/A-{check.flavour.upper()} ({problems})"
    return "PDF", PreservationEvent("validation", when, "warning", detail, objects=(path,))


def _edxml_event(data: bytes, path: str, when: dt.datetime) -> PreservationEvent:
    from lienthong.edxml.dsig import verify

    trust = policy()
    if trust is None:
        why = "edXML signature not validated: no trust anchors are configured"
        return PreservationEvent("validation", when, "warning", why, objects=(path,))
    try:
        verified = verify(data, trust)
    except CodedError as exc:
        return PreservationEvent(
            "validation", when, "failure", f"edXML signature (XML-DSig): {exc}", objects=(path,)
        )
    return PreservationEvent(
        "validation",
        when,
        "success",
        f"edXML signature (XML-DSig) of {verified.signature.signer_subject}: valid and trusted",
        objects=(path,),
    )
