"""Accepting, leasing, fetching and acknowledging messages: one function per state change.

Every door — the JSON API, the VXP-compatible endpoint, the CLI, the admin — calls these; none
of them accepts a message any other way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from lienthong.edxml import (
    BusinessType,
    EdocMessage,
    ParseResult,
    StatusCode,
    StatusMessage,
    check,
    parse,
)
from lienthong.edxml import (
    Message as EdxmlMessage,
)
from lienthong.edxml.dsig import verify
from lienthong.edxml.errors import InvalidError, Problem, SignatureMissingError
from lienthong.hub.audit.services import append as audit
from lienthong.hub.errors import (
    DeliveryStateConflict,
    DuplicateConflict,
    Forbidden,
    NotFound,
    NotOriginalSender,
    PayloadTooLarge,
    RecipientInactive,
    RecipientUnknown,
    SenderNotAllowed,
    SenderUnknown,
    UnknownDocument,
)
from lienthong.hub.registry.models import Agency, ConnectedSystem
from lienthong.hub.registry.trust import hub_policy
from lienthong.hub.stats.services import count

from . import webhooks
from .blobs import blob_store
from .delivery_state import DeliveryState, Event, IllegalTransition, next_state
from .models import Delivery, Message, Payload
from .receipts import hub_identity


@dataclass(frozen=True)
class Submitted:
    message: Message
    created: bool


def submit_message(system: ConnectedSystem, data: bytes) -> Submitted:
    """Accept one edXML message from ``system``: check everything, then store it durably.

    Raises an edXML error (malformed, invalid, signature…) or a :mod:`lienthong.hub.errors`
    error; on success the message, its payload, one delivery per recipient and the audit entry
    are committed together.
    """
    config = settings.LIENTHONG
    if len(data) > config.max_message_bytes:
        raise PayloadTooLarge(
            f"the message is {len(data)} bytes; this hub accepts at most {config.max_message_bytes}"
        )
    sha256 = hashlib.sha256(data).hexdigest()
    parsed = _read(data, require_signature=config.require_signature)
    message = parsed.message
    check(message)
    summary = _summary(message)
    _fits(summary)
    sender = _sender(system, message.from_.organ_id)
    earlier = _earlier(sender, message, sha256)
    if earlier is not None:
        return Submitted(earlier, created=False)
    related, recipients = _route(sender, message)

    blob_store().put(sha256, data)  # durable before the row that points to it
    row = Message(
        id=uuid.uuid4(),
        kind=message.kind,
        sender=sender,
        system=system,
        payload_id=sha256,
        related=related,
        created_at=timezone.now(),
        **summary,
    )
    row.receipt = hub_identity(config.data_dir / "hub").sign(
        {
            "message_id": str(row.id),
            "sha256": sha256,
            "size": len(data),
            "kind": row.kind,
            "sender": sender.code,
            "document_id": row.document_id,
            "recipients": [r.code for r in recipients],
            "received_at": row.created_at.isoformat(),
        }
    )
    try:
        with transaction.atomic():
            # One statement each, no savepoints: this is the hub's hottest transaction.
            Payload.objects.bulk_create(
                [Payload(sha256=sha256, size=len(data))], ignore_conflicts=True
            )
            row.save(force_insert=True)
            Delivery.objects.bulk_create(Delivery(message=row, recipient=r) for r in recipients)
            webhooks.owe(row, recipients)
            count([sender.pk], kind=row.kind, direction="sent", at=row.created_at)
            audit(
                f"system:{system.name}",
                "message.accepted",
                str(row.id),
                {
                    "sha256": sha256,
                    "sender": sender.code,
                    "recipients": [r.code for r in recipients],
                },
            )
    except IntegrityError:
        # The same submission raced with itself: the first one won; answer with its receipt.
        existing = Message.objects.filter(sender=sender, payload_id=sha256).first()
        if existing is None:
            raise
        return Submitted(existing, created=False)
    return Submitted(row, created=True)


def _read(data: bytes, *, require_signature: bool) -> ParseResult:
    policy = hub_policy()
    if policy is None:
        if require_signature:
            # No trust anchor registered: nothing can be verified, so documents cannot pass.
            probe = parse(data, keep_encoded=False)
            if probe.message.kind == "edoc":
                raise SignatureMissingError(
                    "this hub has no trust anchor registered; signed documents cannot be checked"
                )
            return probe
        return parse(data, keep_encoded=False)
    try:
        return verify(data, policy, keep_encoded=False).parsed
    except SignatureMissingError:
        probe = parse(data, keep_encoded=False)
        if probe.message.kind == "edoc" and require_signature:
            raise
        return probe


def _sender(system: ConnectedSystem, code: str) -> Agency:
    """The agency the message is from, which ``system`` must act for."""
    agency = Agency.objects.filter(Q(code=code) | Q(code_d20=code)).first()
    if agency is None:
        raise SenderUnknown(f"the sender {code} is not registered on this hub")
    if not system.acts_for(agency):
        raise SenderNotAllowed(
            f"the system {system.name} does not act for {agency.code} ({agency.name})"
        )
    return agency


def _earlier(sender: Agency, message: EdxmlMessage, sha256: str) -> Message | None:
    """The message these very bytes already made (a repeat), or None.

    Refuses a document that reuses an earlier document's id and business type with other
    bytes: one query answers both questions.
    """
    same = Q(payload_id=sha256)
    document_id = message.document_id if isinstance(message, EdocMessage) else ""
    if isinstance(message, EdocMessage):
        same |= Q(
            kind=Message.Kind.EDOC,
            document_id=message.document_id,
            business_type=int(message.business_type),
        )
    found = list(Message.objects.filter(same, sender=sender).order_by("created_at"))
    for earlier in found:
        if earlier.payload_id == sha256:
            return earlier
    if found:
        clash = found[0]
        raise DuplicateConflict(
            f"{document_id} was already sent by {sender.code} with other content "
            f"(message {clash.id}); send an update or a replacement instead",
            existing=str(clash.id),
        )
    return None


def _summary(message: EdxmlMessage) -> dict[str, object]:
    if isinstance(message, StatusMessage):
        return {
            "document_id": message.response_for.document_id,
            "status_code": message.status_code,
            "subject": message.description,
        }
    return {
        "document_id": message.document_id,
        "business_type": int(message.business_type),
        "subject": message.subject,
        "code_number": message.code.code_number,
        "code_notation": message.code.code_notation,
    }


# Where each summary field comes from, to name it in a refusal.
_SUMMARY_PATHS = {
    "document_id": "DocumentId",
    "status_code": "StatusCode",
    "code_number": "Code/CodeNumber",
    "code_notation": "Code/CodeNotation",
}


def _fits(summary: dict[str, object]) -> None:
    """QCVN 102 sets no length on these fields; the hub keeps them in bounded columns (the
    message's bytes are kept whole). Longer is refused as invalid, never cut: the document id
    routes every status and take-back, and a number cut short is another number."""
    problems = []
    for name, value in summary.items():
        limit = getattr(Message._meta.get_field(name), "max_length", None)
        if isinstance(value, str) and isinstance(limit, int) and len(value) > limit:
            problems.append(
                Problem(
                    "too-long",
                    _SUMMARY_PATHS.get(name, name),
                    f"{len(value)} characters; this hub keeps at most {limit}",
                )
            )
    if problems:
        raise InvalidError(problems)


def _active(codes: Sequence[str]) -> list[Agency]:
    """The recipients, each once and in order, all registered and active (one query)."""
    wanted = list(dict.fromkeys(codes))
    rows = Agency.objects.filter(Q(code__in=wanted) | Q(code_d20__in=wanted))
    by_code: dict[str, Agency] = {}
    for agency in rows:
        by_code[agency.code] = agency
        if agency.code_d20:
            by_code.setdefault(agency.code_d20, agency)
    found: dict[int, Agency] = {}
    for code in wanted:
        recipient = by_code.get(code)
        if recipient is None:
            raise RecipientUnknown(f"the recipient {code} is not registered on this hub")
        if not recipient.is_active:
            raise RecipientInactive(
                f"the recipient {recipient.code} ({recipient.name}) is {recipient.status}"
            )
        found.setdefault(recipient.pk, recipient)
    return list(found.values())


def _route(sender: Agency, message: EdxmlMessage) -> tuple[Message | None, list[Agency]]:
    """The document this message follows (if any) and who receives it."""
    if isinstance(message, StatusMessage):
        return _route_status(sender, message)
    kind = message.business_type
    if kind is BusinessType.NEW:
        return None, _active([t.organ_id for t in message.to])
    original = _original(sender, message)
    business = message.business
    assert business is not None
    if kind is BusinessType.UPDATE and business.document_info and business.document_info.receivers:
        codes = [r.organ_id for r in business.document_info.receivers]
    elif kind is BusinessType.REPLACE and business.replacements:
        codes = [code for r in business.replacements for code in r.organ_ids]
    else:
        codes = [d.recipient.code for d in original.deliveries.select_related("recipient")]
    return original, _active(codes or [t.organ_id for t in message.to])


def _original(sender: Agency, message: EdocMessage) -> Message:
    business = message.business
    document_id = (business.document_id if business else "") or message.document_id
    if message.business_type is BusinessType.REPLACE and business and business.replacements:
        document_id = business.replacements[0].document_id or document_id
    candidates = Message.objects.filter(
        kind=Message.Kind.EDOC, document_id=document_id, business_type=BusinessType.NEW
    )
    original = candidates.filter(sender=sender).order_by("created_at").first()
    if original is None:
        if candidates.exists():
            raise NotOriginalSender(
                f"only the original sender may revoke, update or replace {document_id}"
            )
        raise UnknownDocument(f"the document {document_id} was never sent through this hub")
    return original


def _route_status(sender: Agency, message: StatusMessage) -> tuple[Message, list[Agency]]:
    """The document a status is about: one sent as new, or a replacement — a document of its
    own, with its own number and DocumentId, that its recipients handle and report on and that
    its sender may take back like any other. (An update shares the DocumentId of the document
    it updates: its statuses are about that document.)"""
    about = message.response_for
    document = (
        Message.objects.filter(
            kind=Message.Kind.EDOC,
            document_id=about.document_id,
            sender__code=about.organ_id,
            business_type__in=(BusinessType.NEW, BusinessType.REPLACE),
        )
        .order_by("created_at")
        .first()
    )
    if document is None:
        raise UnknownDocument(
            f"the status refers to {about.document_id} from {about.organ_id}, which this hub "
            "never carried"
        )
    if message.status_value is StatusCode.TAKE_BACK:
        if document.sender_id != sender.pk:
            raise NotOriginalSender("only the sender of a document may ask to take it back")
        recipients = [d.recipient for d in document.deliveries.select_related("recipient")]
        return document, recipients
    if not document.deliveries.filter(recipient=sender).exists():
        raise Forbidden(
            f"{sender.code} did not receive {about.document_id}, so it cannot report on it"
        )
    return document, [document.sender]


# --- the inbox -------------------------------------------------------------------------------


def lease_deliveries(
    system: ConnectedSystem, *, kind: str | None = None, limit: int = 50
) -> list[Delivery]:
    """Lease up to ``limit`` waiting deliveries addressed to the system's agencies.

    A delivery stays leased for ``LIENTHONG_LEASE_SECONDS``; unacknowledged, it comes back.
    Concurrent pollers never get the same delivery (``FOR UPDATE SKIP LOCKED``).
    """
    now = timezone.now()
    lease_until = now + dt.timedelta(seconds=settings.LIENTHONG.lease_seconds)
    with transaction.atomic():
        _give_up_exhausted(system, now, kind)
        waiting = _waiting(system, now, kind).order_by("created_at")
        if _supports_skip_locked():  # PostgreSQL; SQLite serialises writers instead
            waiting = waiting.select_for_update(skip_locked=True, of=("self",))
        chosen = list(waiting[: max(1, min(limit, 500))])
        for delivery in chosen:
            delivery.state = next_state(DeliveryState(delivery.state), Event.LEASE).value
            delivery.lease_until = lease_until
            delivery.leased_by = system
            delivery.lease_count += 1
        Delivery.objects.bulk_update(
            chosen, ["state", "lease_until", "leased_by", "lease_count", "updated_at"]
        )
    return chosen


def _give_up_exhausted(system: ConnectedSystem, now: dt.datetime, kind: str | None) -> None:
    """A delivery leased ``LIENTHONG_MAX_LEASES`` times and never acknowledged goes dead."""
    exhausted = list(
        _waiting(system, now, kind).filter(lease_count__gte=settings.LIENTHONG.max_leases)
    )
    for delivery in exhausted:
        delivery.state = next_state(DeliveryState(delivery.state), Event.GIVE_UP).value
        delivery.reason = f"leased {delivery.lease_count} times without an acknowledgement"
        delivery.save(update_fields=["state", "reason", "updated_at"])
        audit(
            "hub",
            "delivery.dead",
            str(delivery.pk),
            {"message": str(delivery.message_id), "recipient": delivery.recipient.code},
        )


def _supports_skip_locked() -> bool:
    from django.db import connection

    return bool(connection.features.has_select_for_update_skip_locked)


def _waiting(system: ConnectedSystem, now: dt.datetime, kind: str | None) -> QuerySet[Delivery]:
    due = Q(state=DeliveryState.QUEUED.value) | Q(
        state=DeliveryState.LEASED.value, lease_until__lt=now
    )
    query = Delivery.objects.filter(due, recipient__in=system.agencies.all())
    if kind:
        query = query.filter(message__kind=kind)
    return query.select_related("message", "message__sender", "recipient")


def acknowledge(
    system: ConnectedSystem, delivery_id: str, *, done: bool, reason: str = ""
) -> Delivery:
    """Record the recipient's answer for a leased delivery: taken (done) or refused (fail)."""
    with transaction.atomic():
        # Lock the delivery row only: locking the joined agency and message rows too made
        # concurrent acknowledgements to one recipient deadlock on PostgreSQL.
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("recipient", "message")
            .filter(pk=delivery_id, recipient__in=system.agencies.all())
            .first()
        )
        if delivery is None:
            raise NotFound(f"no delivery {delivery_id} for this system")
        event = Event.ACK_DONE if done else Event.ACK_FAIL
        try:
            state = next_state(DeliveryState(delivery.state), event)
        except IllegalTransition as exc:
            raise DeliveryStateConflict(
                f"the delivery is {delivery.state}; it cannot be acknowledged as "
                f"{'done' if done else 'fail'}"
            ) from exc
        if state.value == delivery.state:
            return delivery  # the same answer again: nothing changes
        delivery.state = state.value
        delivery.acknowledged_at = timezone.now()
        delivery.reason = reason[:2000]
        delivery.save(update_fields=["state", "acknowledged_at", "reason", "updated_at"])
        if state is DeliveryState.DELIVERED:
            count(
                [delivery.recipient_id],
                kind=delivery.message.kind,
                direction="received",
                at=delivery.acknowledged_at,
            )
        audit(
            f"system:{system.name}",
            f"delivery.{state.value}",
            str(delivery.pk),
            {"message": str(delivery.message_id), "recipient": delivery.recipient.code},
        )
    return delivery


def message_for(system: ConnectedSystem, message_id: str) -> Message:
    """A message the system may read: it sent it, or one of its agencies receives it."""
    agencies = system.agencies.all()
    message = (
        Message.objects.filter(pk=message_id)
        .filter(Q(sender__in=agencies) | Q(deliveries__recipient__in=agencies))
        .select_related("payload", "sender")
        .distinct()
        .first()
    )
    if message is None:
        raise NotFound(f"no message {message_id} for this system")
    return message


def open_payload(message: Message) -> BinaryIO:
    return blob_store().open(message.payload_id)


def trace(
    system: ConnectedSystem, message_id: str
) -> tuple[Message, list[Delivery], list[Message]]:
    """For the sender: each recipient's delivery state, and the status notices received."""
    message = Message.objects.filter(pk=message_id, sender__in=system.agencies.all()).first()
    if message is None:
        raise NotFound(f"no message {message_id} sent by this system's agencies")
    deliveries = list(message.deliveries.select_related("recipient").order_by("recipient__code"))
    statuses = list(
        message.followers.filter(kind=Message.Kind.STATUS)
        .select_related("sender")
        .order_by("created_at")
    )
    return message, deliveries, statuses
