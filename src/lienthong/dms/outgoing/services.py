"""The outgoing flow, one function per state change (Decree 30: draft, approve and sign,
number, agency signature, send, keep the record):

    draft ──submit──▶ submitted ──approve_and_sign──▶ approved ──issue──▶ issued ──send──▶ sent
      ▲                  │                                                          │
      └───send_back──────┘                                          revoke (13) ──▶ revoked

A replacement (type 3) or an update (type 2) of a sent document starts as a draft naming it and
goes the same way; an update is issued with that document's number and DocumentId.

Issuing takes the number, applies the agency's PAdES signature and builds and signs the edXML
in one transaction: if any step fails, the number was never taken (no gap). Sending happens
after the commit; a hub that cannot be reached leaves the document ``issued`` for the worker to
send again (the same bytes, so the hub answers the first receipt).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lienthong.archive.pdfa import PdfaError, PdfaResult, pdfa_for_signing
from lienthong.client import HubClientError
from lienthong.dms import conversion, pdftext, storage, textsearch
from lienthong.dms.agencies.models import User
from lienthong.dms.agencies.roles import Action, agency_id_of, require, require_same_agency
from lienthong.dms.agencies.services import (
    agency_pdf_signer,
    edxml_key,
    hub_client,
    organization,
    personal_pdf_signer,
    signed_status,
)
from lienthong.dms.errors import (
    InvalidInput,
    NotAllowed,
    NotArchivable,
    SigningFailed,
    WrongState,
    required_reason,
)
from lienthong.dms.labels import pdfa_problem_label
from lienthong.dms.registers.models import Register
from lienthong.dms.registers.services import current_year, default_register, notation, take_number
from lienthong.dms.trust import policy
from lienthong.edxml import Organization, build, check
from lienthong.edxml.agency_codes import parse_agency_code
from lienthong.edxml.compose import NewFile, new_edoc
from lienthong.edxml.dsig import sign as sign_edxml
from lienthong.edxml.errors import AgencyCodeError, EdxmlError
from lienthong.edxml.model import (
    Business,
    BusinessDocumentInfo,
    BusinessType,
    Code,
    OtherInfo,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StatusCode,
    format_date,
)
from lienthong.signatures.appearance import Appearance
from lienthong.signatures.errors import SignaturesError
from lienthong.signatures.pades import sign_pdf

from .models import OutgoingDocument, OutgoingEvent, OutgoingState, OutgoingText

S = OutgoingState
log = logging.getLogger("lienthong.dms.outgoing")


def _clean_recipients(recipients: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    cleaned: dict[str, dict[str, str]] = {}
    for r in recipients:
        try:
            code = str(parse_agency_code(str(r.get("code", "")).strip()))
        except AgencyCodeError:
            raise InvalidInput(
                _("%(code)r is not an agency code") % {"code": r.get("code")}
            ) from None
        cleaned[code] = {"code": code, "name": str(r.get("name") or "").strip()}
    return list(cleaned.values())


def _search_text(doc: OutgoingDocument) -> str:
    names = " ".join(r.get("name", "") for r in doc.recipients)
    return textsearch.joined(doc.subject, doc.code_text, doc.type_name, doc.signer_name, names)


def _search_text_changed(doc: OutgoingDocument) -> None:
    """The text searched with the draft's text follows the new ``search_text``."""
    text = OutgoingText.objects.get(document=doc)  # every draft has one (migration 0006 too)
    text.content = textsearch.with_files(doc.search_text, textsearch.files_part(text.content))
    text.save(update_fields=["content"])


def _locked(doc: OutgoingDocument, user: User, states: set[str], action: str) -> OutgoingDocument:
    require_same_agency(user, doc.agency_id)
    current = OutgoingDocument.objects.select_for_update().get(pk=doc.pk)
    if current.state not in states:
        raise WrongState(
            _("the document is %(state)s") % {"state": current.get_state_display().lower()}
        )
    return current


def _event(doc: OutgoingDocument, user: User | None, action: str, text: str = "") -> None:
    OutgoingEvent.objects.create(document=doc, user=user, action=action, text=text)


def refused_by(doc: OutgoingDocument) -> set[str]:
    """The recipients whose latest word on the document is a refusal (02): they never entered
    it in their register, so there is nothing of it at their end to take back or correct."""
    latest: dict[str, str] = {}
    for status in doc.statuses.all():  # oldest first
        latest[status.from_code] = status.code
    return {code for code, last in latest.items() if last == StatusCode.REFUSED.value}


def still_held(doc: OutgoingDocument) -> bool:
    """Whether at least one recipient has not refused the document."""
    return bool(set(doc.recipient_codes) - refused_by(doc))


def _update_under_way(doc: OutgoingDocument) -> bool:
    """An update of ``doc`` already issued or sent (the hub refuses a second one: it keeps the
    DocumentId and the business type of the first)."""
    return doc.updated_by.filter(state__in=(S.ISSUED, S.SENT)).exists()


def follow_up_refusal(doc: OutgoingDocument, action: str) -> str:
    """Why the sent ``doc`` cannot be taken back (``revoke``), replaced (``replace``) or updated
    (``update``) now, or "" when it can: one rule for the services and for the buttons shown."""
    if doc.state != S.SENT:
        return _("only a sent document can be taken back, updated or replaced")
    if doc.updates_id is not None:
        return _(
            "this is an update: the document it updates is the one to take back, update or replace"
        )
    if not still_held(doc):
        return _(
            "every recipient refused this document: there is nothing to take back, update or "
            "replace; draft a new one"
        )
    if action != "revoke" and doc.replaces_id is not None:
        # The hub links updates and replacements to documents sent as new (type 0) only.
        return _("a replacement cannot be updated or replaced through the hub: draft a new one")
    if action == "update" and _update_under_way(doc):
        return _(
            "this document has already been updated and the hub takes one update per "
            "document: replace it instead"
        )
    return ""


def _may_follow_up(user: User, original: OutgoingDocument, action: str) -> None:
    if original.agency_id != user.agency_id:
        raise NotAllowed(_("this document belongs to another agency"))
    why = follow_up_refusal(original, action)
    if why:
        raise WrongState(why)


def create_draft(
    user: User,
    *,
    subject: str,
    pdf_name: str,
    pdf_data: bytes,
    recipients: Sequence[dict[str, str]],
    type_name: str = "Công văn",
    unit_notation: str = "",
    signer_competence: str = "",
    signer_position: str = "",
    signer_name: str = "",
    priority: int = 0,
    due_date: dt.date | None = None,
    answers: Any = None,
    replaces: OutgoingDocument | None = None,
    replace_reason: str = "",
    updates: OutgoingDocument | None = None,
    update_reason: str = "",
) -> OutgoingDocument:
    """A specialist's draft: the PDF and the metadata (type, summary, signer, urgency,
    recipients from the hub directory). A DOCX (ODT, DOC) given instead of the PDF is
    converted to PDF/A by LibreOffice and kept beside the PDF made from it; where LibreOffice
    is not installed it is refused (:class:`~lienthong.dms.conversion.ConverterMissing`)."""
    require(user, Action.DRAFT)
    if not subject.strip():
        raise InvalidInput(_("the summary (trích yếu) is required"))
    if not conversion.converts(pdf_name) and not pdf_data.startswith(b"%PDF"):
        raise InvalidInput(_("%(name)s is not a PDF") % {"name": pdf_name})
    if priority not in range(5):
        raise InvalidInput(_("the urgency is 0 (normal) to 4"))
    if answers is not None and answers.agency_id != user.agency_id:
        raise NotAllowed(_("this document belongs to another agency"))
    if replaces is not None and updates is not None:
        raise InvalidInput(_("a draft replaces or updates a document, not both"))
    if replaces is not None:
        _may_follow_up(user, replaces, "replace")
        if not replace_reason.strip():
            raise InvalidInput(_("a replacement needs its reason"))
    if updates is not None:
        _may_follow_up(user, updates, "update")
        if not update_reason.strip():
            raise InvalidInput(_("an update needs its reason"))
        if (type_name.strip() or "Công văn", unit_notation.strip()) != (
            updates.type_name,
            updates.unit_notation,
        ):
            raise InvalidInput(
                _(
                    "an update keeps the number and notation, so the type of document and the "
                    "drafting unit: change those with a replacement"
                )
            )
    cleaned = _clean_recipients(recipients)
    source_name, source_data = "", b""
    if conversion.converts(pdf_name):
        # Before the transaction: LibreOffice takes seconds, and on SQLite the write lock is
        # held from BEGIN.
        source_name, source_data = pdf_name, pdf_data
        pdf_name, pdf_data = conversion.pdf_name(pdf_name), conversion.to_pdf(pdf_data, pdf_name)
    content_text = pdftext.searchable_text(pdf_data)
    with transaction.atomic():
        doc = OutgoingDocument(
            agency_id=agency_id_of(user),
            created_by=user,
            subject=subject.strip(),
            type_name=type_name.strip() or "Công văn",
            unit_notation=unit_notation.strip(),
            signer_competence=signer_competence.strip(),
            signer_position=signer_position.strip(),
            signer_name=signer_name.strip(),
            priority=priority,
            due_date=due_date,
            recipients=cleaned,
            answers_incoming=answers,
            replaces=replaces,
            replace_reason=replace_reason.strip(),
            updates=updates,
            update_reason=update_reason.strip(),
            draft_name=pdf_name,
            draft_sha256=storage.put(pdf_data),
            source_name=source_name,
            source_sha256=storage.put(source_data) if source_data else "",
        )
        doc.search_text = _search_text(doc)
        doc.save()
        OutgoingText.objects.create(
            document=doc, content=textsearch.with_files(doc.search_text, content_text)
        )
        _event(doc, user, "draft")
        if source_data:
            _event(doc, user, "convert", f"{source_name} → {pdf_name}")
    return doc


def submit_for_approval(doc: OutgoingDocument, user: User) -> OutgoingDocument:
    require(user, Action.DRAFT)
    with transaction.atomic():
        current = _locked(doc, user, {S.DRAFT}, "submit")
        if not current.recipients:
            raise InvalidInput(_("choose at least one recipient before submitting"))
        current.state = S.SUBMITTED
        current.save(update_fields=["state"])
        _event(current, user, "submit")
    return current


def send_back(doc: OutgoingDocument, user: User, reason: str) -> OutgoingDocument:
    """The approver returns the draft to its author with a reason."""
    require(user, Action.APPROVE)
    with transaction.atomic():
        current = _locked(doc, user, {S.SUBMITTED}, "send back")
        current.state = S.DRAFT
        current.save(update_fields=["state"])
        _event(current, user, "send-back", reason.strip())
    return current


def approve_and_sign(doc: OutgoingDocument, user: User, password: str) -> OutgoingDocument:
    """The competent person approves and signs the PDF (PAdES, personal certificate, visible
    stamp with title and name). What is signed is the draft made PDF/A first: this is the
    first signature, and a signed file can no longer be converted for the archive."""
    require(user, Action.APPROVE)
    with transaction.atomic():
        current = _locked(doc, user, {S.SUBMITTED}, "approve")
        archivable = _pdfa(storage.get(current.draft_sha256), current.draft_name)
        signed = _pades(
            archivable.data,
            role="person",
            appearance=Appearance(
                signer_title=current.signer_position or user.position or None,
                signer_name=current.signer_name or user.display_name,
            ),
            signer_of=lambda: personal_pdf_signer(user, password),
        )
        current.person_signed_sha256 = storage.put(signed)
        current.approver = user
        current.approved_at = timezone.now()
        current.signer_name = current.signer_name or user.display_name
        current.signer_position = current.signer_position or user.position
        current.state = S.APPROVED
        current.save()
        if archivable.converted:
            _event(current, user, "pdfa", "; ".join(archivable.changes))
        _event(current, user, "approve")
    return current


def _pdfa(data: bytes, name: str) -> PdfaResult:
    """``data`` as PDF/A (unchanged when it already is), or :class:`NotArchivable` saying in
    plain words what stands in the way."""
    try:
        return pdfa_for_signing(data)
    except PdfaError as exc:
        reasons = sorted({pdfa_problem_label(p.code) for p in exc.problems if p.blocking})
        why = "; ".join(reasons) or pdfa_problem_label("")
        raise NotArchivable(
            _(
                "the file %(name)s cannot be made PDF/A for archiving (%(why)s). Please make the "
                "PDF again (every font embedded, not locked, no scripts, not signed) and submit "
                "it again."
            )
            % {"name": name or _("of the draft"), "why": why}
        ) from None


def _pades(data: bytes, *, role: str, appearance: Appearance, signer_of: Any) -> bytes:
    tsa = settings.LIENTHONG_DMS.tsa_url
    out = io.BytesIO()
    try:
        with signer_of() as signer:
            sign_pdf(
                data,
                out,
                signer,
                role=role,  # type: ignore[arg-type]
                level="B-T" if tsa else "B-B",
                tsa_url=tsa,
                policy=policy(),
                appearance=appearance,
            )
    except SignaturesError as exc:
        raise SigningFailed(exc.message) from None
    return out.getvalue()


def issue(doc: OutgoingDocument, user: User, register: Register | None = None) -> OutgoingDocument:
    """The clerk issues the approved document: number, agency signature, signed edXML; then it
    is sent through the hub (after the commit)."""
    require(user, Action.ISSUE)
    with transaction.atomic():
        current = _locked(doc, user, {S.APPROVED}, "issue")
        agency = current.agency
        original = current.updates
        # Checked again: the document may have been taken back, refused or updated meanwhile.
        why = follow_up_refusal(original, "update") if original is not None else ""
        if why:
            raise WrongState(why)
        register = register or default_register(agency, Register.Kind.OUTGOING)
        if register.agency_id != agency.id or register.kind != Register.Kind.OUTGOING:
            raise InvalidInput(_("this is not one of the agency's outgoing registers"))
        now = timezone.now()
        local = timezone.localtime(now)
        if original is None:
            current.register = register
            current.year = current_year(now)
            current.number = take_number(register, current.year)
            current.notation = notation(current.type_name, agency.notation, current.unit_notation)
        else:
            # The same document corrected: its number, no new entry in the register.
            current.year, current.number = original.year, original.number
            current.notation = original.notation
        current.issued_at = now
        current.issued_by = user
        seal = Appearance(image=_path(agency.seal_image))
        final = _pades(
            storage.get(current.person_signed_sha256),
            role="agency",
            appearance=seal,
            signer_of=lambda: agency_pdf_signer(agency),
        )
        current.final_sha256 = storage.put(final)
        edxml = _edxml(current, final, local)
        current.edxml_sha256 = storage.put(edxml)
        current.state = S.ISSUED
        current.search_text = _search_text(current)
        _search_text_changed(current)
        current.save()
        _event(current, user, "issue", f"Số {current.code_text}")
        pk = current.pk
        transaction.on_commit(lambda: send(OutgoingDocument.objects.get(pk=pk)), robust=True)
    return current


def _path(value: str) -> Any:
    from pathlib import Path

    return Path(value) if value else None


def _edxml(doc: OutgoingDocument, final_pdf: bytes, moment: dt.datetime) -> bytes:
    agency = doc.agency
    original = doc.updates
    # An update carries the promulgation date, number and DocumentId of the document it updates.
    promulgated = (
        timezone.localtime(original.issued_at).date()
        if original is not None and original.issued_at
        else moment.date()
    )
    code = Code(f"{doc.number:02d}", doc.notation)
    message = new_edoc(
        sender=organization(agency),
        recipients=[Organization(r["code"], organ_name=r.get("name", "")) for r in doc.recipients],
        subject=doc.subject,
        code=code,
        type_name=doc.type_name,
        promulgation_date=promulgated,
        files=[NewFile(_final_name(doc), "application/pdf", final_pdf)],
        now=moment.replace(tzinfo=None),
    )
    answers = doc.answers_incoming
    message = dataclasses.replace(
        message,
        promulgation_info=PromulgationInfo(promulgation_date=format_date(promulgated)),
        signer_info=SignerInfo(doc.signer_competence, doc.signer_position, doc.signer_name),
        due_date=format_date(doc.due_date) if doc.due_date else "",
        to_places=tuple(r.get("name") or r["code"] for r in doc.recipients),
        other_info=OtherInfo(priority=str(doc.priority)),
        response_for=(
            (
                ResponseFor(
                    organ_id=answers.sender_code,
                    code=answers.code_text,
                    promulgation_date=(
                        format_date(answers.promulgation_date) if answers.promulgation_date else ""
                    ),
                    document_id=answers.document_id,
                ),
            )
            if answers is not None
            else ()
        ),
    )
    if doc.replaces is not None:
        message = dataclasses.replace(
            message,
            business=Business(
                business_doc_type=str(int(BusinessType.REPLACE)),
                document_id=message.document_id,
                business_doc_reason=doc.replace_reason,
                paper="0",
                replacements=(
                    ReplacementInfo(doc.replaces.document_id, tuple(doc.recipient_codes)),
                ),
            ),
        )
    if original is not None:
        message = dataclasses.replace(
            message,
            document_id=original.document_id,
            business=Business(
                business_doc_type=str(int(BusinessType.UPDATE)),
                document_id=original.document_id,
                business_doc_reason=doc.update_reason,
                paper="0",
                document_info=update_info(original, doc),
            ),
        )
    try:
        check(message)
        signed = sign_edxml(build(message), edxml_key(agency))
    except EdxmlError as exc:
        raise InvalidInput(
            _("the edXML message cannot be made: %(why)s") % {"why": exc.message}
        ) from None
    doc.document_id = message.document_id
    return signed


def update_info(original: OutgoingDocument, update: OutgoingDocument) -> BusinessDocumentInfo:
    """What an update changes (``BussinessDocumentInfo``): DocumentInfo 1 when the metadata
    carried in the header differ from the original's; DocumentReceiver 1 when the recipients
    differ, and then ReceiverList names every recipient of the updated document (ReceiverType
    1) and every one dropped (0). The hub delivers the update to the agencies listed, or, with
    no list, to the original's recipients."""
    fields = (
        "subject",
        "type_name",
        "signer_competence",
        "signer_position",
        "signer_name",
        "priority",
        "due_date",
    )
    changed = any(getattr(original, name) != getattr(update, name) for name in fields)
    before, after = original.recipient_codes, update.recipient_codes
    receivers: tuple[Receiver, ...] = ()
    if set(before) != set(after):
        receivers = tuple(Receiver(code, "1") for code in after) + tuple(
            Receiver(code, "0") for code in before if code not in after
        )
    return BusinessDocumentInfo(
        document_info="1" if changed else "0",
        document_receiver="1" if receivers else "0",
        receivers=receivers,
    )


def _final_name(doc: OutgoingDocument) -> str:
    stem = doc.draft_name.rsplit(".", 1)[0] if doc.draft_name else "van-ban"
    return f"{stem}.pdf"


def send_again(doc: OutgoingDocument, user: User) -> OutgoingDocument:
    """A clerk sends again an issued document whose first submission to the hub failed."""
    require(user, Action.ISSUE)
    require_same_agency(user, doc.agency_id)
    if doc.state != S.ISSUED:
        raise WrongState(_("only an issued document not yet sent can be sent again"))
    return send(doc)


def send(doc: OutgoingDocument) -> OutgoingDocument:
    """Submit an issued document to the hub (again, if an earlier try failed). Never raises for
    the hub's sake: the failure is kept on the document and shown."""
    if doc.state != S.ISSUED:
        return doc
    try:
        with hub_client(doc.agency) as hub:
            accepted = hub.submit(storage.get(doc.edxml_sha256))
    except HubClientError as exc:
        OutgoingDocument.objects.filter(pk=doc.pk).update(last_error=str(exc)[:2000])
        log.warning("outgoing %s not sent: %s", doc.pk, exc)
        doc.refresh_from_db()
        return doc
    with transaction.atomic():
        current = OutgoingDocument.objects.select_for_update().get(pk=doc.pk)
        current.hub_message_id = accepted.id
        current.receipt = accepted.receipt
        current.sent_at = timezone.now()
        current.state = S.SENT
        current.last_error = ""
        current.save()
        _event(current, None, "send", ", ".join(accepted.recipients))
        if current.replaces is not None:
            _event(current.replaces, None, "replaced", f"Thay thế bằng {current.code_text}")
        if current.updates is not None:
            _event(current.updates, None, "updated", current.update_reason)
    return current


def send_unsent() -> int:
    """The worker's retry: every issued document not yet accepted by the hub."""
    sent = 0
    for doc in OutgoingDocument.objects.filter(state=S.ISSUED).select_related("agency"):
        if send(doc).state == S.SENT:
            sent += 1
    return sent


def revoke(doc: OutgoingDocument, user: User, reason: str) -> OutgoingDocument:
    """Take a sent document back: status 13 to every recipient; the document is frozen here."""
    require(user, Action.REVOKE)
    reason = required_reason(reason, _("taking a document back needs a reason"))
    require_same_agency(user, doc.agency_id)
    why = follow_up_refusal(doc, "revoke")
    if why:
        raise WrongState(why)
    agency = doc.agency
    issued = format_date(timezone.localtime(doc.issued_at).date()) if doc.issued_at else ""
    try:
        data = signed_status(
            agency,
            about=ResponseFor(
                organ_id=agency.code,
                code=doc.code_text,
                promulgation_date=issued,
                document_id=doc.document_id,
            ),
            code=StatusCode.TAKE_BACK,
            description=reason,
            at=timezone.now(),
        )
        with hub_client(agency) as hub:
            accepted = hub.submit(data)
    except HubClientError as exc:
        raise WrongState(
            _("the hub did not take the request back: %(why)s") % {"why": exc}
        ) from None
    with transaction.atomic():
        current = _locked(doc, user, {S.SENT}, "revoke")
        current.state = S.REVOKED
        current.revoked_at = timezone.now()
        current.revoke_reason = reason
        current.revoke_message_id = accepted.id
        current.save()
        _event(current, user, "revoke", reason)
    return current


def tracking(doc: OutgoingDocument) -> dict[str, Any]:
    """Per recipient: the hub's delivery state and the status timeline (the hub's trace; the
    statuses pulled from the inbox when the hub cannot be reached)."""
    recipients: list[dict[str, Any]] = []
    error = ""
    if doc.hub_message_id:
        try:
            with hub_client(doc.agency) as hub:
                trace = hub.trace(doc.hub_message_id)
            recipients = list(trace.get("recipients", []))
        except HubClientError as exc:
            error = str(exc)
    by_code = _statuses_by_recipient(doc)
    if recipients and doc.updates_id is not None:
        # The hub files statuses under the document an update updates (they share the
        # DocumentId); the answers to the update itself (15/16) are kept on the update.
        for recipient in recipients:
            recipient["statuses"] = by_code.get(recipient.get("to", ""), [])
    if not recipients:
        recipients = [
            {
                "to": r["code"],
                "name": r.get("name", ""),
                "state": "",
                "statuses": by_code.get(r["code"], []),
            }
            for r in doc.recipients
        ]
    return {"recipients": recipients, "error": error}


def _statuses_by_recipient(doc: OutgoingDocument) -> dict[str, list[dict[str, str]]]:
    """The statuses pulled from the inbox about ``doc``, per recipient, oldest first."""
    by_code: dict[str, list[dict[str, str]]] = {}
    for status in doc.statuses.all():
        by_code.setdefault(status.from_code, []).append(
            {
                "status_code": status.code,
                "description": status.description,
                "at": status.at.isoformat(),
            }
        )
    return by_code
