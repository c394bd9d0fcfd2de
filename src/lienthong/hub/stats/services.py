"""Counting (inside the caller's transaction) and reading the statistics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from django.db import connection
from django.db.models import Sum

from lienthong.hub.registry.models import Agency

from .models import MonthlyCount

Group = Literal["month", "level", "agency"]


def count(agency_ids: Iterable[int], *, kind: str, direction: str, at: dt.datetime) -> None:
    """Add one to each agency's counter for ``at``'s month: one upsert per agency."""
    month = at.date().replace(day=1)
    table = MonthlyCount._meta.db_table
    rows = [(agency_id, month, kind, direction) for agency_id in agency_ids]
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (agency_id, month, kind, direction, count) "  # noqa: S608 - our table name
            "VALUES (%s, %s, %s, %s, 1) "
            "ON CONFLICT (agency_id, month, kind, direction) "
            f"DO UPDATE SET count = {table}.count + 1",
            rows,
        )


def statistics(
    *,
    agencies: Iterable[Agency] | None,
    start: dt.date | None,
    end: dt.date | None,
    group: Group,
) -> list[dict[str, object]]:
    """Documents sent and received (edoc only), grouped by month, level or agency."""
    rows = MonthlyCount.objects.filter(kind="edoc")
    if agencies is not None:
        rows = rows.filter(agency__in=list(agencies))
    if start is not None:
        rows = rows.filter(month__gte=start.replace(day=1))
    if end is not None:
        rows = rows.filter(month__lte=end)
    key = {"month": "month", "level": "agency__level", "agency": "agency__code"}[group]
    totals: dict[object, dict[str, object]] = {}
    for row in rows.values(key, "direction").annotate(total=Sum("count")).order_by(key):
        label = row[key].isoformat()[:7] if group == "month" else row[key]
        entry = totals.setdefault(label, {group: label, "sent": 0, "received": 0})
        entry[row["direction"]] = row["total"]
    return list(totals.values())
