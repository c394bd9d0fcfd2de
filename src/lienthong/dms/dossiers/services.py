"""Dossiers: create, add documents (shared, never copied), close; retention and hand-over to
the archive (the 30-day warning); disposal, approved by a leader, that keeps the dossier's
metadata and the record of what was destroyed (rules in :mod:`.retention`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lienthong.dms import storage
from lienthong.dms.agencies.models import User
from lienthong.dms.agencies.roles import Action, agency_id_of, require, require_same_agency
from lienthong.dms.errors import InvalidInput, WrongState, required_reason
from lienthong.dms.incoming.models import IncomingDocument, IncomingText
from lienthong.dms.outgoing.models import OutgoingDocument, OutgoingText
from lienthong.dms.textsearch import with_files

from . import retention
from .models import Disposal, Dossier


def create_dossier(user: User, *, title: str, file_notation: str, year: int) -> Dossier:
    require(user, Action.DOSSIERS)
    if not title.strip() or not file_notation.strip():
        raise InvalidInput(_("a dossier needs a title and a notation"))
    try:
        with transaction.atomic():
            return Dossier.objects.create(
                agency_id=agency_id_of(user),
                title=title.strip(),
                file_notation=file_notation.strip(),
                year=year,
            )
    except IntegrityError:
        raise InvalidInput(
            _("a dossier %(notation)s exists already for %(year)s")
            % {"notation": file_notation, "year": year}
        ) from None


def add_document(
    dossier: Dossier, user: User, document: IncomingDocument | OutgoingDocument
) -> None:
    require(user, Action.DOSSIERS)
    require_same_agency(user, dossier.agency_id)
    require_same_agency(user, document.agency_id)
    if dossier.state == Dossier.State.CLOSED:
        raise WrongState(_("the dossier is closed"))
    if dossier.state == Dossier.State.DISPOSED:
        raise WrongState(_("the dossier's documents were disposed of"))
    if isinstance(document, IncomingDocument):
        dossier.incoming.add(document)
    else:
        dossier.outgoing.add(document)


def close_dossier(dossier: Dossier, user: User) -> Dossier:
    require(user, Action.DOSSIERS)
    require_same_agency(user, dossier.agency_id)
    if dossier.state == Dossier.State.CLOSED:
        raise WrongState(_("the dossier is closed already"))
    if dossier.state == Dossier.State.DISPOSED:
        raise WrongState(_("the dossier's documents were disposed of"))
    dossier.state = Dossier.State.CLOSED
    dossier.closed_at = timezone.now()
    dossier.handover_due = retention.handover_due(timezone.localdate(dossier.closed_at))
    dossier.save(update_fields=["state", "closed_at", "handover_due"])
    return dossier


def set_retention(dossier: Dossier, user: User, years: int | None, mode: str = "") -> Dossier:
    """The dossier's retention: ``None`` for permanent (vĩnh viễn), else a number of years;
    and optionally its access mode (01 public, 02 limited, 03 secret)."""
    require(user, Action.ARCHIVE)
    require_same_agency(user, dossier.agency_id)
    if dossier.state == Dossier.State.DISPOSED:
        raise WrongState(_("the dossier's documents were disposed of"))
    try:
        dossier.maintenance = retention.maintenance_code(years)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    dossier.retention_years = years
    if mode:
        if mode not in Dossier.Mode.values:
            raise InvalidInput(_("%(mode)r is not an access mode (01, 02, 03)") % {"mode": mode})
        dossier.mode = mode
    dossier.save(update_fields=["maintenance", "retention_years", "mode"])
    return dossier


def record_handover(dossier: Dossier, user: User) -> Dossier:
    """The closed dossier was handed over to the archive (nộp lưu): no more warnings."""
    require(user, Action.ARCHIVE)
    require_same_agency(user, dossier.agency_id)
    if dossier.state != Dossier.State.CLOSED:
        raise WrongState(_("only a closed dossier is handed over to the archive"))
    if dossier.handed_over_at is None:
        dossier.handed_over_at = timezone.now()
        dossier.save(update_fields=["handed_over_at"])
    return dossier


@dataclass(frozen=True)
class HandoverWarning:
    dossier: Dossier
    due: dt.date
    days_left: int  # negative: late

    @property
    def late(self) -> bool:
        return self.days_left < 0

    @property
    def days_late(self) -> int:
        return max(0, -self.days_left)


def handover_warnings(agency_id: int, today: dt.date | None = None) -> list[HandoverWarning]:
    """Closed dossiers of the agency not yet handed over whose hand-over is due within
    :data:`retention.WARNING_DAYS` days (or is past), soonest first."""
    today = today or timezone.localdate()
    last = today + dt.timedelta(days=retention.WARNING_DAYS)
    due = Dossier.objects.filter(
        agency_id=agency_id,
        state=Dossier.State.CLOSED,
        handed_over_at__isnull=True,
        handover_due__lte=last,
    ).order_by("handover_due", "id")
    return [
        HandoverWarning(d, d.handover_due, (d.handover_due - today).days)
        for d in due
        if d.handover_due is not None
    ]


def propose_disposal(dossier: Dossier, user: User, reason: str) -> Disposal:
    """An archivist (or a leader) proposes to destroy the documents of a dossier whose
    retention has run out; a leader must approve before anything is destroyed."""
    require(user, Action.ARCHIVE)
    require_same_agency(user, dossier.agency_id)
    reason = required_reason(reason, _("a disposal needs its reason"))
    with transaction.atomic():
        current = Dossier.objects.select_for_update().get(pk=dossier.pk)
        _may_be_disposed(current)
        if Disposal.objects.filter(dossier=current).exists():
            raise WrongState(_("a disposal of this dossier was proposed already"))
        return Disposal.objects.create(dossier=current, reason=reason, proposed_by=user)


def approve_disposal(dossier: Dossier, user: User) -> Disposal:
    require(user, Action.APPROVE_DISPOSAL)
    require_same_agency(user, dossier.agency_id)
    with transaction.atomic():
        disposal = _disposal_of(dossier, Disposal.State.PROPOSED)
        disposal.state = Disposal.State.APPROVED
        disposal.approved_by = user
        disposal.approved_at = timezone.now()
        disposal.save(update_fields=["state", "approved_by", "approved_at"])
    return disposal


def dispose(dossier: Dossier, user: User) -> Disposal:
    """Destroy the files of the dossier's documents (those in no other live dossier), once a
    leader approved. The dossier, its metadata and the disposal record with its inventory
    remain; registers keep their entries."""
    from lienthong.dms.archiving import inventory

    require(user, Action.ARCHIVE)
    require_same_agency(user, dossier.agency_id)
    with transaction.atomic():
        if (
            not Disposal.objects.filter(dossier_id=dossier.pk)
            .exclude(state=Disposal.State.PROPOSED)
            .exists()
        ):
            raise WrongState(_("the disposal has not been approved by a leader"))
        disposal = _disposal_of(dossier, Disposal.State.APPROVED)
        current = Dossier.objects.select_for_update().get(pk=dossier.pk)
        _may_be_disposed(current)
        listed = inventory(current)
        doomed, gone = _files_only_here(current)
        for entry in listed:
            entry["destroyed"] = (entry["kind"], entry["id"]) in gone
        disposal.inventory = listed
        disposal.state = Disposal.State.DONE
        disposal.disposed_by = user
        disposal.disposed_at = timezone.now()
        disposal.save()
        current.state = Dossier.State.DISPOSED
        current.save(update_fields=["state"])
        # What the destroyed files said goes with them; the metadata stays searchable.
        ids = {kind: [pk for of, pk in gone if of == kind] for kind in ("incoming", "outgoing")}
        for doc in IncomingDocument.objects.filter(pk__in=ids["incoming"]):
            IncomingText.objects.filter(document=doc).update(
                content=with_files(doc.search_text, "")
            )
        for out in OutgoingDocument.objects.filter(pk__in=ids["outgoing"]):
            OutgoingText.objects.filter(document=out).update(
                content=with_files(out.search_text, "")
            )
        transaction.on_commit(lambda: _destroy(doomed))
    return disposal


def _destroy(digests: set[str]) -> None:
    for digest in sorted(digests):
        storage.discard(digest)


def _may_be_disposed(dossier: Dossier) -> None:
    if dossier.state != Dossier.State.CLOSED:
        raise WrongState(_("only a closed dossier's documents may be disposed of"))
    if not dossier.maintenance:
        raise WrongState(_("the dossier's retention is not set"))
    if dossier.permanent:
        raise WrongState(_("the dossier is kept permanently (vĩnh viễn)"))
    due = dossier.disposal_due
    if due is None or due > timezone.localdate():
        raise WrongState(_("the dossier's retention runs until %(due)s") % {"due": due})


def _disposal_of(dossier: Dossier, state: str) -> Disposal:
    disposal = Disposal.objects.select_for_update().filter(dossier_id=dossier.pk).first()
    if disposal is None:
        raise WrongState(_("no disposal of this dossier was proposed"))
    if disposal.state != state:
        raise WrongState(
            _("the disposal is %(state)s") % {"state": disposal.get_state_display().lower()}
        )
    return disposal


def _files_only_here(dossier: Dossier) -> tuple[set[str], set[tuple[str, int]]]:
    """The documents of the dossier in no other dossier that is not disposed of (as
    ``("incoming"|"outgoing", id)``), and the digests of every file the dms keeps for them
    (payloads, attachments, drafts, signed versions) that no other document shares."""
    from lienthong.dms.incoming.models import Event, IncomingFile

    live = Dossier.objects.exclude(pk=dossier.pk).exclude(state=Dossier.State.DISPOSED)
    incoming_ids = set(dossier.incoming.values_list("pk", flat=True)) - set(
        live.values_list("incoming", flat=True)
    )
    outgoing_ids = set(dossier.outgoing.values_list("pk", flat=True)) - set(
        live.values_list("outgoing", flat=True)
    )

    def digests(
        incoming: models.QuerySet[IncomingDocument], outgoing: models.QuerySet[OutgoingDocument]
    ) -> set[str]:
        ids = incoming.values("pk")
        found = set(incoming.values_list("payload_sha256", flat=True))
        found |= set(IncomingFile.objects.filter(document__in=ids).values_list("sha256", flat=True))
        found |= set(Event.objects.filter(document__in=ids).values_list("file_sha256", flat=True))
        for column in (
            "source_sha256",
            "draft_sha256",
            "person_signed_sha256",
            "final_sha256",
            "edxml_sha256",
        ):
            found |= set(outgoing.values_list(column, flat=True))
        return {d for d in found if d}

    mine = digests(
        IncomingDocument.objects.filter(pk__in=incoming_ids),
        OutgoingDocument.objects.filter(pk__in=outgoing_ids),
    )
    used = digests(
        IncomingDocument.objects.exclude(pk__in=incoming_ids),
        OutgoingDocument.objects.exclude(pk__in=outgoing_ids),
    )
    gone = {("incoming", i) for i in incoming_ids} | {("outgoing", i) for i in outgoing_ids}
    return mine - used, gone
