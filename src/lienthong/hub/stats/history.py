"""Statistics from before the hub: the monthly counts an agency network kept on its previous
system (the national axis has figures since 2019), imported once so that the dashboard and
``/api/v1/stats`` show the whole history.

Only months before the hub's first accepted message can be imported — later months are counted
by the hub itself, in the transaction of each change. An import sets the cells it names (so a
corrected file can be imported again), is all or nothing, and is audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from lienthong.hub.audit.services import append as audit
from lienthong.hub.errors import ValueInvalid
from lienthong.hub.registry.models import Agency

from .models import MonthlyCount

COLUMNS = ("agency", "month", "kind", "direction", "count")
KINDS = ("edoc", "status")
DIRECTIONS = ("sent", "received")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class Imported:
    cells: int
    documents: int  # the sum of the counts imported
    first_month: str | None
    last_month: str | None
    sha256: str


def first_counted_month() -> dt.date:
    """The month from which the hub counts by itself: its first message's, or this month."""
    from lienthong.hub.exchange.models import Message

    first = Message.objects.order_by("created_at").values_list("created_at", flat=True).first()
    moment = first or timezone.now()
    return timezone.localtime(moment).date().replace(day=1)


def import_history(data: bytes, *, actor: str = "operator") -> Imported:
    """Import a CSV ``agency,month,kind,direction,count`` (header required, UTF-8); every wrong
    row is reported at once (line numbers), and then nothing is imported."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueInvalid("the file is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip() for cell in next(reader, [])]
    if tuple(header) != COLUMNS:
        raise ValueInvalid(f"the header must be {','.join(COLUMNS)}; it is {','.join(header)}")
    limit = first_counted_month()
    codes = dict(Agency.objects.values_list("code", "id"))
    cells: dict[tuple[int, dt.date, str, str], int] = {}
    problems: list[str] = []
    for line, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(cells) >= MAX_ROWS:
            raise ValueInvalid(f"more than {MAX_ROWS:,} rows: split the file")
        problem, cell = _cell(row, codes, limit)
        if problem:
            problems.append(f"line {line}: {problem}")
        elif cell is not None:
            key, value = cell
            if key in cells:
                problems.append(f"line {line}: the same agency, month, kind and direction again")
            cells[key] = value
    if problems:
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise ValueInvalid(f"nothing imported: {shown}{more}", problems=problems)
    digest = hashlib.sha256(data).hexdigest()
    months = sorted({key[1] for key in cells})
    with transaction.atomic():
        for (agency_id, month, kind, direction), value in cells.items():
            MonthlyCount.objects.update_or_create(
                agency_id=agency_id,
                month=month,
                kind=kind,
                direction=direction,
                defaults={"count": value},
            )
        result = Imported(
            cells=len(cells),
            documents=sum(cells.values()),
            first_month=months[0].isoformat()[:7] if months else None,
            last_month=months[-1].isoformat()[:7] if months else None,
            sha256=digest,
        )
        audit(
            actor,
            "stats.imported",
            digest,
            {
                "cells": result.cells,
                "documents": result.documents,
                "months": [result.first_month, result.last_month],
            },
        )
    return result


def _cell(
    row: list[str], codes: dict[str, int], limit: dt.date
) -> tuple[str | None, tuple[tuple[int, dt.date, str, str], int] | None]:
    if len(row) != len(COLUMNS):
        return f"{len(row)} columns, not {len(COLUMNS)}", None
    code, month_text, kind, direction, count_text = (cell.strip() for cell in row)
    if code not in codes:
        return f"the agency {code!r} is not registered", None
    matched = _MONTH.match(month_text)
    if not matched:
        return f"month {month_text!r} is not YYYY-MM", None
    month = dt.date(int(matched[1]), int(matched[2]), 1)
    if month >= limit:
        return (
            f"{month_text} is counted by the hub itself (history ends before "
            f"{limit.isoformat()[:7]})"
        ), None
    if kind not in KINDS:
        return f"kind {kind!r} is not one of {', '.join(KINDS)}", None
    if direction not in DIRECTIONS:
        return f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}", None
    if not count_text.isdigit():
        return f"count {count_text!r} is not a whole number", None
    return None, ((codes[code], month, kind, direction), int(count_text))
