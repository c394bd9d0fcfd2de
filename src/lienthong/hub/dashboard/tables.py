"""Each dashboard figure as a table (a header and rows): what the CSV downloads carry and what
the page's tables show. Public tables never name an agency."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import figures
from .figures import Period

Cell = str | int | float | None
Rows = list[list[Cell]]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: Rows


def _months(period: Period, top: int) -> Table:
    return Table(
        ["month", "sent", "received", "growth_vs_first_month"],
        [[m.month, m.sent, m.received, m.growth] for m in figures.months(period)],
    )


def _levels(period: Period, top: int) -> Table:
    return Table(
        ["level", "level_name", "sent", "received"],
        [[f.level, f.name, f.sent, f.received] for f in figures.levels(period)],
    )


def _agencies(period: Period, top: int) -> Table:
    return Table(
        ["rank", "code", "name", "level", "sent", "received"],
        [
            [rank, f.code, f.name, f.level, f.sent, f.received]
            for rank, f in enumerate(figures.top_agencies(period, top=top), start=1)
        ],
    )


def _connected(period: Period, top: int) -> Table:
    return Table(
        ["level", "level_name", "registered", "connected", "connected_percent"],
        [[f.level, f.name, f.registered, f.connected, f.share] for f in figures.connected()],
    )


def _deliveries(period: Period, top: int) -> Table:
    return Table(
        ["state", "state_name", "deliveries"],
        [[f.state, f.name, f.count] for f in figures.delivery_states(period)],
    )


def _latency(period: Period, top: int) -> Table:
    f = figures.latency(period)
    return Table(
        ["window_days", "sample", "p50_seconds", "p95_seconds"],
        [[f.days, f.sample, f.p50_seconds, f.p95_seconds]],
    )


def _status_codes(period: Period, top: int) -> Table:
    return Table(
        ["code", "name", "count", "window_days"],
        [[f.code, f.name, f.count, period.days] for f in figures.status_codes(period)],
    )


def _refusals(period: Period, top: int) -> Table:
    f = figures.refusals(period)
    return Table(
        ["window_days", "refused_documents_02", "refused_take_backs_16", "failed_deliveries"],
        [[f.days, f.refused_documents, f.refused_take_backs, f.failed_deliveries]],
    )


Builder = Callable[[Period, int], Table]

PUBLIC: dict[str, Builder] = {
    "months": _months,
    "levels": _levels,
    "connected": _connected,
    "deliveries": _deliveries,
    "latency": _latency,
    "status-codes": _status_codes,
    "refusals": _refusals,
}
OPERATOR: dict[str, Builder] = {**PUBLIC, "agencies": _agencies}
