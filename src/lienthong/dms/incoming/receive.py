"""Pulling the hub's inbox: documents become incoming documents (status 01 goes back at once),
take-backs freeze them, statuses about our own documents are kept for tracking.

One pass per connected system (agencies sharing credentials are polled once). A message is
processed once per agency (:class:`ReceivedMessage`), stored, committed, and only then
acknowledged: a crash in between makes the hub hand it out again, and the repeat is recognised.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from lienthong.client import HubClient, HubClientError, InboxItem
from lienthong.dms import pdftext, storage, textsearch
from lienthong.dms.agencies.models import Agency
from lienthong.dms.agencies.services import hub_client
from lienthong.dms.fields import create
from lienthong.dms.trust import policy
from lienthong.edxml import BusinessType, EdocMessage, StatusCode, StatusMessage, parse
from lienthong.edxml.errors import EdxmlError, MalformedError
from lienthong.edxml.model import parse_date

from . import statuses
from .models import Event, IncomingDocument, IncomingFile, IncomingText, ReceivedMessage
from .services import freeze_for_revoke
from .verdict import check_edxml, check_pdf

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from lienthong.dms.outgoing.models import OutgoingDocument

log = logging.getLogger("lienthong.dms.receive")
BATCH = 50


@dataclass
class Pass:
    """What one pass did, for the worker's log and for tests."""

    documents: int = 0
    statuses: int = 0
    take_backs: int = 0
    duplicates: int = 0
    refused: int = 0
    notices_sent: int = 0
    errors: list[str] = field(default_factory=list)


def receive_from_hub(agencies: Iterable[Agency] | None = None) -> Pass:
    """Pull every waiting delivery of the given (default: all hosted) agencies."""
    done = Pass()
    hosted = list(agencies if agencies is not None else Agency.objects.all())
    systems: dict[tuple[str, str], list[Agency]] = {}
    for agency in hosted:
        systems.setdefault((agency.hub_url, agency.client_id), []).append(agency)
    for group in systems.values():
        by_code = {a.code: a for a in group}
        try:
            with hub_client(group[0]) as hub:
                _drain(hub, by_code, done)
        except HubClientError as exc:
            done.errors.append(f"{group[0].hub_url}: {exc}")
            log.warning("inbox of %s not pulled: %s", ", ".join(by_code), exc)
    for agency in hosted:
        done.notices_sent += statuses.send_pending(agency)
    return done


def _drain(hub: HubClient, by_code: dict[str, Agency], done: Pass) -> None:
    seen: set[str] = set()
    while True:
        items = [i for i in hub.inbox(limit=BATCH) if i.delivery_id not in seen]
        for item in items:
            seen.add(item.delivery_id)
            try:
                _one(hub, by_code, item, done)
            except HubClientError:
                raise
            except Exception as exc:  # one bad message must not stop the others
                # Not acknowledged: the hub hands it out again after its lease.
                log.exception("message %s not stored", item.message_id)
                done.errors.append(f"message {item.message_id}: {type(exc).__name__}: {exc}")
        if len(items) < BATCH:
            return


def _one(hub: HubClient, by_code: dict[str, Agency], item: InboxItem, done: Pass) -> None:
    agency = by_code.get(item.to)
    if agency is None:
        hub.ack(item.delivery_id, done=False, reason=f"{item.to} is not hosted by this system")
        done.refused += 1
        return
    if ReceivedMessage.objects.filter(agency=agency, hub_message_id=item.message_id).exists():
        hub.ack(item.delivery_id)
        done.duplicates += 1
        return
    data = hub.fetch(item.message_id)
    try:
        if item.kind == "edoc":
            outcome = store_edoc(agency, item.message_id, data)
        else:
            outcome = store_status(agency, item.message_id, data)
    except EdxmlError as exc:
        _remember(agency, item.message_id, item.kind, f"unreadable: {exc.code}")
        hub.ack(item.delivery_id, done=False, reason=f"{exc.code}: {exc.message}"[:1000])
        done.refused += 1
        return
    except IntegrityError:
        # Another worker stored the same message at the same moment.
        done.duplicates += 1
        hub.ack(item.delivery_id)
        return
    if outcome.startswith("document"):
        done.documents += 1
    elif outcome.startswith("take-back"):
        done.take_backs += 1
    else:
        done.statuses += 1
    hub.ack(item.delivery_id)


def _remember(agency: Agency, message_id: str, kind: str, outcome: str) -> None:
    ReceivedMessage.objects.create(
        agency=agency, hub_message_id=message_id, kind=kind, outcome=outcome[:200]
    )


def store_edoc(agency: Agency, message_id: str, data: bytes) -> str:
    """Check, store and answer (01) one document pulled from the hub; take-backs freeze."""
    trust = policy()
    checked = check_edxml(data, trust)
    message = checked.parsed.message
    if not isinstance(message, EdocMessage):
        raise MalformedError("the hub announced a document, the message is a status")
    kind = message.business_type
    if kind is BusinessType.REVOKE:
        return _take_back(
            agency,
            message_id,
            "edoc",
            message.from_.organ_id,
            _target_id(message),
            _reason(message),
        )
    files = []
    for attachment in message.attachments:
        try:
            content = base64.b64decode(attachment.encoded, validate=False)
        except (binascii.Error, ValueError):
            continue
        is_pdf = attachment.content_type == "application/pdf" or content.startswith(b"%PDF")
        files.append((attachment, content, check_pdf(content, trust) if is_pdf else None))
    payload = storage.put(data)
    content_text = pdftext.searchable_text(
        *(content for _a, content, pdf in files if pdf is not None)
    )
    follows = None
    if kind in (BusinessType.UPDATE, BusinessType.REPLACE):
        follows = _original(agency, message.from_.organ_id, _target_id(message))
    signature_ok = bool(checked.edxml.get("ok")) and all(
        pdf is None or pdf.get("valid") for _a, _c, pdf in files
    )
    info = message.other_info
    with transaction.atomic():
        _remember(agency, message_id, "edoc", "document")
        doc = create(
            IncomingDocument,
            agency=agency,
            hub_message_id=message_id,
            payload_sha256=payload,
            business_type=int(kind),
            follows=follows,
            sender_code=message.from_.organ_id,
            sender_name=message.from_.organ_name,
            document_id=message.document_id,
            code_number=message.code.code_number,
            code_notation=message.code.code_notation,
            type_name=message.document_type.type_name,
            subject=message.subject,
            content=message.content,
            promulgation_date=parse_date(message.promulgation_info.promulgation_date),
            signer_name=message.signer_info.full_name,
            signer_position=message.signer_info.position,
            priority=int(info.priority_value or 0),
            due_date=parse_date(message.due_date),
            verdict={"edxml": checked.edxml},
            signature_ok=signature_ok,
            search_text=textsearch.joined(
                message.subject,
                message.code.text,
                message.from_.organ_name,
                message.from_.organ_id,
                message.document_type.type_name,
                message.content,
            ),
        )
        IncomingText.objects.create(
            document=doc, content=textsearch.with_files(doc.search_text, content_text)
        )
        for attachment, content, pdf in files:
            create(
                IncomingFile,
                document=doc,
                name=attachment.attachment_name or "tep-dinh-kem",
                content_type=attachment.content_type,
                sha256=storage.put(content),
                size=len(content),
                pdf_verdict=pdf,
            )
        text = {BusinessType.UPDATE: "Văn bản cập nhật", BusinessType.REPLACE: "Văn bản thay thế"}
        Event.objects.create(document=doc, action="arrive", text=text.get(kind, ""))
        statuses.queue(doc, StatusCode.ARRIVED)
    return "document"


def _target_id(message: EdocMessage) -> str:
    business = message.business
    if business is not None and business.type_value is BusinessType.REPLACE:
        for replaced in business.replacements:
            if replaced.document_id:
                return replaced.document_id
    return (business.document_id if business else "") or message.document_id


def _reason(message: EdocMessage) -> str:
    return message.business.business_doc_reason if message.business else ""


def _original(
    agency: Agency, sender: str, document_id: str, *, replacements: bool = False
) -> IncomingDocument | None:
    """The document received as new with that DocumentId — or, with ``replacements``, a
    replacement too (a document of its own, that may be taken back like any other; updates
    and replacements follow only documents sent as new)."""
    kinds = (BusinessType.NEW, BusinessType.REPLACE) if replacements else (BusinessType.NEW,)
    return (
        IncomingDocument.objects.filter(
            agency=agency, sender_code=sender, document_id=document_id, business_type__in=kinds
        )
        .order_by("arrived_at")
        .first()
    )


def _take_back(
    agency: Agency, message_id: str, kind: str, sender: str, document_id: str, reason: str
) -> str:
    original = _original(agency, sender, document_id, replacements=True)
    with transaction.atomic():
        _remember(
            agency,
            message_id,
            kind,
            "take-back" if original else "take-back of an unknown document",
        )
        if original is not None:
            freeze_for_revoke(original, reason)
    return "take-back"


def store_status(agency: Agency, message_id: str, data: bytes) -> str:
    """A status about one of our documents (kept for tracking), or a take-back (13)."""
    from lienthong.dms.outgoing.models import OutgoingDocument, ReceivedStatus

    message = parse(data).message
    if not isinstance(message, StatusMessage):
        raise MalformedError("the hub announced a status, the message is a document")
    about = message.response_for
    if message.status_value is StatusCode.TAKE_BACK:
        return _take_back(
            agency,
            message_id,
            "status",
            message.from_.organ_id,
            about.document_id,
            message.description,
        )
    document = _concerned(
        OutgoingDocument.objects.filter(agency=agency, document_id=about.document_id), message
    )
    with transaction.atomic():
        _remember(
            agency, message_id, "status", "status" if document else "status of an unknown document"
        )
        if document is not None:
            ReceivedStatus.objects.create(
                document=document,
                hub_message_id=message_id,
                from_code=message.from_.organ_id,
                code=message.status_code,
                description=message.description,
            )
    return "status"


def _concerned(
    documents: QuerySet[OutgoingDocument], message: StatusMessage
) -> OutgoingDocument | None:
    """Which of our documents a status is about. An update shares the DocumentId of the
    document it updates, so the status code decides: an agreement or refusal (15/16) answers
    the latest update sent, unless the document was taken back (then it answers the take-back);
    a refusal (02) from a recipient that had already registered the document can only be about
    the update; any other status is about the document itself."""
    from lienthong.dms.outgoing.models import OutgoingState

    original = documents.filter(updates__isnull=True).order_by("created_at", "id").first()
    update = (
        documents.filter(updates__isnull=False, state=OutgoingState.SENT)
        .order_by("-sent_at", "-id")
        .first()
    )
    if original is None or update is None:
        return original or update
    code = message.status_value
    if code in (StatusCode.AGREED, StatusCode.DISAGREED):
        return original if original.state == OutgoingState.REVOKED else update
    if code is StatusCode.REFUSED:
        registered = original.statuses.filter(
            from_code=message.from_.organ_id, code__in=("03", "04", "05", "06")
        )
        return update if registered.exists() else original
    return original
