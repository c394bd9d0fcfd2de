"""The incoming flow, one function per state change (Decree 30: receive, register, assign,
handle, finish), each in one transaction with its history entry and the status notice owed to
the sender; the notice is sent to the hub once the transaction has committed.

    arrived ──register──▶ registered ──assign──▶ assigned ──progress──▶ processing
       │                                            └───────complete──────┴──▶ completed
       └──refuse──▶ refused

A document the sender takes back is frozen: no action applies until the clerk agrees (15, it
stays frozen) or refuses the take-back (16, it thaws).
An update the sender made (a document of its own, linked to the one it updates) may be
answered too: agreed (15) or refused with a reason (16).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lienthong.dms import storage
from lienthong.dms.agencies.models import Agency, Role, User
from lienthong.dms.agencies.roles import Action, require, require_same_agency
from lienthong.dms.errors import InvalidInput, NotAllowed, WrongState, required_reason
from lienthong.dms.registers.models import Register
from lienthong.dms.registers.services import current_year, default_register, take_number
from lienthong.edxml.model import BusinessType, StatusCode

from . import statuses
from .models import Assignment, Event, IncomingDocument, IncomingState, RevokeState

S = IncomingState

# action: (states it applies to, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "register": (frozenset({S.ARRIVED}), S.REGISTERED),
    "refuse": (frozenset({S.ARRIVED}), S.REFUSED),
    "assign": (frozenset({S.REGISTERED, S.ASSIGNED}), S.ASSIGNED),
    "progress": (frozenset({S.ASSIGNED, S.PROCESSING}), S.PROCESSING),
    "complete": (frozenset({S.ASSIGNED, S.PROCESSING}), S.COMPLETED),
}
_LEADERS = frozenset({Role.LEADER, Role.HEAD, Role.ADMIN})


def _locked(document: IncomingDocument, user: User, action: str) -> IncomingDocument:
    """The document's row, locked for this transaction, checked for agency, freeze and state."""
    require_same_agency(user, document.agency_id)
    current = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if current.frozen:
        raise WrongState(_("the sender has taken this document back: it is frozen"))
    allowed, _target = TRANSITIONS[action]
    if current.state not in allowed:
        raise WrongState(
            _("the document is %(state)s") % {"state": current.get_state_display().lower()}
        )
    return current


def _send_after_commit(agency: Agency) -> None:
    transaction.on_commit(lambda: statuses.send_pending(agency), robust=True)


def register_incoming(
    document: IncomingDocument, user: User, register: Register | None = None
) -> IncomingDocument:
    """Enter the document in an incoming register: the next arrival number of the year → 03."""
    require(user, Action.REGISTER)
    with transaction.atomic():
        doc = _locked(document, user, "register")
        register = register or default_register(doc.agency, Register.Kind.INCOMING)
        if register.agency_id != doc.agency_id or register.kind != Register.Kind.INCOMING:
            raise InvalidInput(_("this is not one of the agency's incoming registers"))
        now = timezone.now()
        year = current_year(now)
        doc.register = register
        doc.arrival_year = year
        doc.arrival_number = take_number(register, year)
        doc.registered_at = now
        doc.state = S.REGISTERED
        doc.save()
        Event.objects.create(
            document=doc, user=user, action="register", text=f"Số đến {doc.arrival_text}"
        )
        statuses.queue(doc, StatusCode.ACCEPTED, f"Số đến {doc.arrival_text}/{year}")
        _send_after_commit(doc.agency)
    return doc


def refuse_incoming(document: IncomingDocument, user: User, reason: str) -> IncomingDocument:
    """Return the document to its sender with a reason (invalid, misaddressed …) → 02."""
    require(user, Action.REGISTER)
    reason = required_reason(reason, _("a refusal needs a reason: the sender is told it"))
    with transaction.atomic():
        doc = _locked(document, user, "refuse")
        doc.state = S.REFUSED
        doc.refusal_reason = reason
        doc.save()
        Event.objects.create(document=doc, user=user, action="refuse", text=reason)
        statuses.queue(doc, StatusCode.REFUSED, reason)
        _send_after_commit(doc.agency)
    return doc


def assign(
    document: IncomingDocument,
    user: User,
    *,
    main: User,
    co: Sequence[User] = (),
    info: Sequence[User] = (),
    deadline: dt.date | None = None,
    instruction: str = "",
) -> IncomingDocument:
    """A leader names the main handler, co-handlers and those informed, with a deadline and an
    instruction (the assignment slip) → 04."""
    require(user, Action.ASSIGN)
    people = [main, *co, *info]
    if any(p.agency_id != document.agency_id for p in people):
        raise InvalidInput(_("handlers must belong to the document's agency"))
    if len({p.pk for p in people}) != len(people):
        raise InvalidInput(_("each person has one role in an assignment"))
    with transaction.atomic():
        doc = _locked(document, user, "assign")
        doc.assignments.all().delete()
        Assignment.objects.bulk_create(
            [Assignment(document=doc, user=main, role=Assignment.Role.MAIN)]
            + [Assignment(document=doc, user=u, role=Assignment.Role.CO) for u in co]
            + [Assignment(document=doc, user=u, role=Assignment.Role.INFO) for u in info]
        )
        doc.deadline = deadline
        doc.instruction = instruction.strip()
        doc.state = S.ASSIGNED
        doc.save()
        text = f"Xử lý chính: {main.display_name}"
        if deadline:
            text += f"; hạn {deadline:%d/%m/%Y}"
        Event.objects.create(document=doc, user=user, action="assign", text=text)
        statuses.queue(doc, StatusCode.ASSIGNED, text)
        _send_after_commit(doc.agency)
    return doc


def _require_handler(doc: IncomingDocument, user: User, *, main_only: bool) -> None:
    if user.role in _LEADERS:
        return
    roles = {Assignment.Role.MAIN} if main_only else {Assignment.Role.MAIN, Assignment.Role.CO}
    if not doc.assignments.filter(user=user, role__in=roles).exists():
        raise NotAllowed(
            _("only the main handler or a leader may do this on the document")
            if main_only
            else _("only its handlers or a leader may do this on the document")
        )


def record_progress(
    document: IncomingDocument,
    user: User,
    text: str,
    *,
    file_name: str = "",
    file_data: bytes | None = None,
) -> IncomingDocument:
    """A handler comments and may attach a file; the first progress tells the sender → 05."""
    text = text.strip()
    if not text and file_data is None:
        raise InvalidInput(_("write what was done, or attach a file"))
    with transaction.atomic():
        doc = _locked(document, user, "progress")
        _require_handler(doc, user, main_only=False)
        first = doc.state != S.PROCESSING
        doc.state = S.PROCESSING
        doc.save()
        sha = storage.put(file_data) if file_data is not None else ""
        Event.objects.create(
            document=doc,
            user=user,
            action="progress",
            text=text,
            file_name=file_name if file_data is not None else "",
            file_sha256=sha,
        )
        if first:
            statuses.queue(doc, StatusCode.PROCESSING, text[:500])
            _send_after_commit(doc.agency)
    return doc


def complete(
    document: IncomingDocument, user: User, result: str = "", *, answered_by: object = None
) -> IncomingDocument:
    """The main handler (or a leader) finishes the work, optionally naming the outgoing
    document that answers it (its ResponseFor) → 06."""
    from lienthong.dms.outgoing.models import OutgoingDocument

    if answered_by is not None and (
        not isinstance(answered_by, OutgoingDocument) or answered_by.agency_id != document.agency_id
    ):
        raise InvalidInput(_("the answer must be one of the agency's outgoing documents"))
    with transaction.atomic():
        doc = _locked(document, user, "complete")
        _require_handler(doc, user, main_only=True)
        doc.state = S.COMPLETED
        doc.completed_at = timezone.now()
        doc.result = result.strip()
        doc.answered_by = answered_by
        doc.save()
        text = doc.result
        if answered_by is not None:
            text = f"{text} (trả lời bằng văn bản {answered_by.code_text})".strip()
        Event.objects.create(document=doc, user=user, action="complete", text=text)
        statuses.queue(doc, StatusCode.FINISHED, text[:500])
        _send_after_commit(doc.agency)
    return doc


def freeze_for_revoke(document: IncomingDocument, reason: str) -> IncomingDocument:
    """The sender takes the document back (status 13 or a revoke edoc): freeze it, keep it."""
    with transaction.atomic():
        doc = IncomingDocument.objects.select_for_update().get(pk=document.pk)
        if doc.revoke_state == RevokeState.REQUESTED:
            return doc
        doc.frozen = True
        doc.revoke_state = RevokeState.REQUESTED
        doc.revoke_reason = reason
        doc.save()
        Event.objects.create(document=doc, action="revoke-requested", text=reason)
        _freeze_updates(doc, frozen=True)
    return doc


def _freeze_updates(original: IncomingDocument, *, frozen: bool) -> None:
    """An update shares its original's DocumentId: taking the original back takes the update
    with it (frozen with it, thawed with it); the answer (15/16) is given once, on the original."""
    updates = original.followers.select_for_update().filter(business_type=BusinessType.UPDATE)
    for update in updates.exclude(frozen=frozen):
        update.frozen = frozen
        update.save(update_fields=["frozen"])
        action = "original-revoke-requested" if frozen else "original-revoke-refused"
        Event.objects.create(document=update, action=action, text=original.code_text)


REVOKE_ANSWERS = ("revoke-agreed", "revoke-refused")
UPDATE_ANSWERS = ("update-agreed", "update-refused")


def answer_revoke(
    document: IncomingDocument, user: User, *, agree: bool, reason: str = ""
) -> IncomingDocument:
    """Agree to the take-back (15: the document stays frozen, its record kept) or refuse it
    with a reason (16: it thaws and its handling goes on)."""

    def settle(doc: IncomingDocument) -> None:
        if doc.revoke_state != RevokeState.REQUESTED:
            raise WrongState(_("the sender has not asked to take this document back"))
        doc.revoke_state = RevokeState.AGREED if agree else RevokeState.REFUSED
        doc.frozen = agree
        doc.save()
        _freeze_updates(doc, frozen=agree)

    why = _("refusing a take-back needs a reason")
    return _answer(document, user, agree, reason, why, REVOKE_ANSWERS, settle)


def awaits_update_answer(document: IncomingDocument) -> bool:
    """An update received and not yet agreed to or refused."""
    return (
        document.business_type == BusinessType.UPDATE
        and not document.events.filter(action__in=UPDATE_ANSWERS).exists()
    )


def answer_update(
    document: IncomingDocument, user: User, *, agree: bool, reason: str = ""
) -> IncomingDocument:
    """Agree to an update the sender made (15) or refuse it with a reason (16), once. The
    update stays a document of its own, linked to the one it updates, whatever the answer."""

    def settle(doc: IncomingDocument) -> None:
        if doc.business_type != BusinessType.UPDATE:
            raise WrongState(_("this document is not an update"))
        if not awaits_update_answer(doc):
            raise WrongState(_("this update has already been answered"))

    why = _("refusing an update needs a reason")
    return _answer(document, user, agree, reason, why, UPDATE_ANSWERS, settle)


def _answer(
    document: IncomingDocument,
    user: User,
    agree: bool,
    reason: str,
    refusal_needs: str,
    events: tuple[str, str],
    settle: Callable[[IncomingDocument], None],
) -> IncomingDocument:
    """Agree (15) to what the sender asked, or refuse it with a reason (16): ``settle`` checks,
    on the locked document, that there is something to answer and records the answer's effect;
    the event and the status notice follow in the same transaction."""
    require(user, Action.REVOKE)
    require_same_agency(user, document.agency_id)
    reason = reason.strip() if agree else required_reason(reason, refusal_needs)
    with transaction.atomic():
        doc = IncomingDocument.objects.select_for_update().get(pk=document.pk)
        settle(doc)
        Event.objects.create(document=doc, user=user, action=events[0 if agree else 1], text=reason)
        statuses.queue(doc, StatusCode.AGREED if agree else StatusCode.DISAGREED, reason)
        _send_after_commit(doc.agency)
    return doc
