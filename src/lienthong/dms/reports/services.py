"""Reports of one agency over a period: documents in and out per month, the share processed
online, the on-time rate, the overdue list (DESIGN.md §8)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from lienthong.dms.incoming.models import IncomingDocument, IncomingState
from lienthong.dms.incoming.models import overdue as overdue_of
from lienthong.dms.outgoing.models import OutgoingDocument, OutgoingState


@dataclass(frozen=True)
class Month:
    month: dt.date
    incoming: int = 0
    outgoing: int = 0


@dataclass(frozen=True)
class Report:
    start: dt.date
    end: dt.date
    months: list[Month]
    incoming: int
    outgoing: int
    completed: int
    completed_on_time: int
    processed_online: int  # registered documents handled in the system (assigned or further)
    overdue: list[IncomingDocument] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.completed else self.completed_on_time / self.completed

    @property
    def online_share(self) -> float | None:
        return None if not self.incoming else self.processed_online / self.incoming


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day of every month from ``start``'s to ``end``'s, both included: a month
    without documents is still a row of the report."""
    months = []
    month = start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def agency_report(agency_id: int, start: dt.date, end: dt.date) -> Report:
    """Counts for documents that arrived (or were issued) from ``start`` to ``end``, inclusive."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    incoming = IncomingDocument.objects.filter(
        agency_id=agency_id, arrived_at__gte=since, arrived_at__lt=until, business_type=0
    )
    outgoing = OutgoingDocument.objects.filter(
        agency_id=agency_id,
        issued_at__gte=since,
        issued_at__lt=until,
        state__in=[OutgoingState.ISSUED, OutgoingState.SENT, OutgoingState.REVOKED],
        updates__isnull=True,  # an update is the same document, counted once (incoming too)
    )
    by_month: dict[dt.date, dict[str, int]] = {}
    for name, rows, moment in (
        ("incoming", incoming, "arrived_at"),
        ("outgoing", outgoing, "issued_at"),
    ):
        counted = rows.annotate(m=TruncMonth(moment, tzinfo=tz)).values("m").annotate(n=Count("id"))
        for row in counted:
            month = row["m"].date() if isinstance(row["m"], dt.datetime) else row["m"]
            by_month.setdefault(month, {})[name] = row["n"]
    completed = incoming.filter(state=IncomingState.COMPLETED)
    on_time = completed.filter(Q(deadline__isnull=True) | Q(completed_at__date__lte=F("deadline")))
    handled = [IncomingState.ASSIGNED, IncomingState.PROCESSING, IncomingState.COMPLETED]
    overdue = (
        overdue_of(IncomingDocument.objects.filter(agency_id=agency_id))
        .order_by("deadline")
        .prefetch_related("assignments__user")
    )
    return Report(
        start=start,
        end=end,
        months=[Month(m, **by_month.get(m, {})) for m in months_between(start, end)],
        incoming=incoming.count(),
        outgoing=outgoing.count(),
        completed=completed.count(),
        completed_on_time=on_time.count(),
        processed_online=incoming.filter(state__in=handled).count(),
        overdue=list(overdue[:200]),
    )
