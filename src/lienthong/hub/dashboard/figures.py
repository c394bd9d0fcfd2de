"""The dashboard's figures, read from the hub's own tables: typed values, no HTTP, no HTML.

Documents sent and received come from the statistics counters (:func:`statistics`, the same
function behind ``GET /api/v1/stats`` and ``lienthong hub stats``), so the page and the API
always agree. Everything else is one aggregate query each; figures that read deliveries or
status messages are bounded by a recent window (:data:`RECENT_DAYS` by default) and the latency
by a sample of at most :data:`LATENCY_SAMPLE` acknowledged deliveries.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from lienthong.edxml.model import StatusCode
from lienthong.hub.exchange.delivery_state import DeliveryState
from lienthong.hub.exchange.models import OPEN_STATES, Delivery, Message, open_delivery_counts
from lienthong.hub.registry.models import Agency
from lienthong.hub.stats.services import statistics

RECENT_DAYS = 30
MAX_DAYS = 366
LATENCY_SAMPLE = 10_000
TOP_AGENCIES = 10
MAX_TOP_AGENCIES = 100

LEVEL_NAMES = {
    1: "Cấp 1 (bộ, ngành, tỉnh)",
    2: "Cấp 2",
    3: "Cấp 3",
    4: "Cấp 4",
}

STATUS_NAMES = {
    StatusCode.ARRIVED: "Đã đến",
    StatusCode.REFUSED: "Từ chối tiếp nhận",
    StatusCode.ACCEPTED: "Đã tiếp nhận",
    StatusCode.ASSIGNED: "Phân công",
    StatusCode.PROCESSING: "Đang xử lý",
    StatusCode.FINISHED: "Hoàn thành",
    StatusCode.TAKE_BACK: "Lấy lại",
    StatusCode.AGREED: "Đồng ý lấy lại / cập nhật",
    StatusCode.DISAGREED: "Từ chối lấy lại / cập nhật",
}

STATE_NAMES = {
    DeliveryState.QUEUED: "Chờ nhận",
    DeliveryState.LEASED: "Đang nhận",
    DeliveryState.DELIVERED: "Đã nhận",
    DeliveryState.FAILED: "Bị từ chối",
    DeliveryState.DEAD: "Không giao được",
}


def level_name(level: int) -> str:
    return LEVEL_NAMES.get(level, f"Cấp {level}")


@dataclass(frozen=True)
class Period:
    """Months ``start``..``end`` (first days of months; None: unbounded) for the counters, and
    the last ``days`` days for the figures read from deliveries and status messages."""

    start: dt.date | None = None
    end: dt.date | None = None
    days: int = RECENT_DAYS

    def since(self, now: dt.datetime) -> dt.datetime:
        return now - dt.timedelta(days=self.days)


@dataclass(frozen=True)
class MonthFigure:
    month: str  # "2026-01"
    sent: int
    received: int
    growth: float | None  # documents sent, against the first month with any (1.0 = the same)


@dataclass(frozen=True)
class LevelFigure:
    level: int
    name: str
    sent: int
    received: int


@dataclass(frozen=True)
class AgencyFigure:
    code: str
    name: str
    level: int
    sent: int
    received: int


@dataclass(frozen=True)
class ConnectedFigure:
    level: int
    name: str
    registered: int
    connected: int

    @property
    def share(self) -> float | None:
        """Connected agencies in percent of registered ones, one decimal."""
        return round(100 * self.connected / self.registered, 1) if self.registered else None


@dataclass(frozen=True)
class LatencyFigure:
    days: int
    sample: int  # acknowledged deliveries measured (at most LATENCY_SAMPLE)
    p50_seconds: float | None
    p95_seconds: float | None


@dataclass(frozen=True)
class StateFigure:
    state: str
    name: str
    count: int


@dataclass(frozen=True)
class StatusCodeFigure:
    code: str
    name: str
    count: int


@dataclass(frozen=True)
class Refusals:
    days: int
    refused_documents: int  # status 02 notices: the recipient refused the document
    refused_take_backs: int  # status 16 notices: the recipient refused a take-back or update
    failed_deliveries: int  # deliveries acknowledged "fail": the recipient system refused them


def _int(value: object) -> int:
    return int(value) if isinstance(value, int) else 0


def _month(value: str) -> dt.date:
    return dt.date(int(value[:4]), int(value[5:7]), 1)


def _months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def months(period: Period) -> list[MonthFigure]:
    """Documents sent and received per month, from the first month with traffic to the last;
    a month without any is shown as zero (the API leaves it out)."""
    rows = statistics(agencies=None, start=period.start, end=period.end, group="month")
    counted = {str(row["month"]): row for row in rows}
    if not counted:
        return []
    keys = sorted(counted)
    figures = []
    first_sent: int | None = None
    for month in _months_between(_month(keys[0]), _month(keys[-1])):
        key = month.isoformat()[:7]
        row = counted.get(key, {})
        sent, received = _int(row.get("sent")), _int(row.get("received"))
        if first_sent is None and sent:
            first_sent = sent
        growth = round(sent / first_sent, 2) if first_sent else None
        figures.append(MonthFigure(key, sent, received, growth))
    return figures


def levels(period: Period) -> list[LevelFigure]:
    """Documents sent and received per level of government (1: ministries and provinces)."""
    rows = statistics(agencies=None, start=period.start, end=period.end, group="level")
    return [
        LevelFigure(
            _int(row["level"]),
            level_name(_int(row["level"])),
            _int(row["sent"]),
            _int(row["received"]),
        )
        for row in rows
    ]


def top_agencies(period: Period, *, top: int = TOP_AGENCIES) -> list[AgencyFigure]:
    """The ``top`` agencies by documents sent and received; ties in code order."""
    rows = statistics(agencies=None, start=period.start, end=period.end, group="agency")
    ranked = sorted(
        rows, key=lambda row: (-(_int(row["sent"]) + _int(row["received"])), str(row["agency"]))
    )[:top]
    codes = [str(row["agency"]) for row in ranked]
    agencies = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    return [
        AgencyFigure(
            code,
            agencies[code].name if code in agencies else "",
            agencies[code].level if code in agencies else 0,
            _int(row["sent"]),
            _int(row["received"]),
        )
        for code, row in zip(codes, ranked, strict=True)
    ]


def connected() -> list[ConnectedFigure]:
    """Per level: registered agencies (any status but closed) and those connected, that is with
    at least one active connected system acting for them. Today's state, whatever the period."""
    registered = Agency.objects.exclude(status=Agency.Status.CLOSED)
    totals = {row["level"]: row["n"] for row in registered.values("level").annotate(n=Count("id"))}
    linked = {
        row["level"]: row["n"]
        for row in registered.filter(systems__active=True)
        .values("level")
        .annotate(n=Count("id", distinct=True))
    }
    return [
        ConnectedFigure(level, level_name(level), totals[level], linked.get(level, 0))
        for level in sorted(totals)
    ]


def _percentile(ordered: list[float], percent: int) -> float:
    """Nearest-rank percentile of an ordered, non-empty list."""
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def latency(period: Period, *, now: dt.datetime | None = None) -> LatencyFigure:
    """Seconds from submission (the receipt's time) to the recipient's acknowledgement, p50 and
    p95 (nearest rank) over the latest :data:`LATENCY_SAMPLE` deliveries acknowledged (done or
    fail) in the last ``period.days`` days."""
    since = period.since(now or timezone.now())
    pairs = (
        Delivery.objects.filter(acknowledged_at__gte=since)
        .order_by("-acknowledged_at")
        .values_list("message__created_at", "acknowledged_at")[:LATENCY_SAMPLE]
    )
    seconds = sorted(
        max(0.0, (acknowledged - submitted).total_seconds())
        for submitted, acknowledged in pairs
        if acknowledged is not None
    )
    if not seconds:
        return LatencyFigure(period.days, 0, None, None)
    return LatencyFigure(
        period.days,
        len(seconds),
        round(_percentile(seconds, 50), 3),
        round(_percentile(seconds, 95), 3),
    )


def delivery_states(period: Period, *, now: dt.datetime | None = None) -> list[StateFigure]:
    """Deliveries waiting now (queued, leased) and given up (dead, they need an operator), from
    the partial index of open deliveries; delivered and refused ones over the last
    ``period.days`` days (by acknowledgement time) — never a count of the whole history."""
    counted: dict[str, int] = dict(open_delivery_counts())
    since = period.since(now or timezone.now())
    closed = (
        Delivery.objects.filter(acknowledged_at__gte=since)
        .exclude(state__in=OPEN_STATES)
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    counted.update(closed)
    return [
        StateFigure(state.value, STATE_NAMES[state], counted.get(state.value, 0))
        for state in DeliveryState
    ]


def pending(states: list[StateFigure]) -> int:
    return sum(s.count for s in states if s.state in {DeliveryState.QUEUED, DeliveryState.LEASED})


def dead(states: list[StateFigure]) -> int:
    return sum(s.count for s in states if s.state == DeliveryState.DEAD)


def _recent_statuses(period: Period, now: dt.datetime | None) -> dict[str, int]:
    since = period.since(now or timezone.now())
    rows = (
        Message.objects.filter(kind=Message.Kind.STATUS, created_at__gte=since)
        .values("status_code")
        .annotate(n=Count("id"))
    )
    return {row["status_code"]: row["n"] for row in rows}


def status_codes(period: Period, *, now: dt.datetime | None = None) -> list[StatusCodeFigure]:
    """Status notices received by the hub in the last ``period.days`` days, per code (every
    code of the standard, zero included; a code outside it is listed after them)."""
    counted = _recent_statuses(period, now)
    figures = [
        StatusCodeFigure(code.value, STATUS_NAMES[code], counted.pop(code.value, 0))
        for code in StatusCode
    ]
    figures += [StatusCodeFigure(code, "Mã khác", n) for code, n in sorted(counted.items())]
    return figures


def refusals(period: Period, *, now: dt.datetime | None = None) -> Refusals:
    """Refusals in the last ``period.days`` days."""
    moment = now or timezone.now()
    counted = _recent_statuses(period, moment)
    failed = Delivery.objects.filter(
        Q(state=DeliveryState.FAILED.value), acknowledged_at__gte=period.since(moment)
    ).count()
    return Refusals(
        period.days,
        counted.get(StatusCode.REFUSED.value, 0),
        counted.get(StatusCode.DISAGREED.value, 0),
        failed,
    )
