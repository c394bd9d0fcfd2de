"""Thin views: parse the query, authorise, read the figures, render a page or a CSV."""

from __future__ import annotations

import csv
import datetime as dt
import re
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from lienthong.hub.api.problems import problem

from . import figures, tables
from .figures import Period

_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


class QueryInvalid(ValueError):
    """A query parameter the dashboard cannot use (answered with a 400)."""


def _month(request: HttpRequest, name: str) -> dt.date | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    match = _MONTH.match(value)
    try:
        if match is None:
            raise ValueError
        year, month, day = match.groups()
        date = dt.date(int(year), int(month), int(day or 1))
    except ValueError:
        raise QueryInvalid(
            f"{name}={value!r} is not a month (2026-01) or a day (2026-01-15)"
        ) from None
    return date.replace(day=1)


def _number(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    value = request.GET.get(name, "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise QueryInvalid(f"{name}={value!r} is not a whole number from {low} to {high}")
    return int(value)


def _query(request: HttpRequest) -> tuple[Period, int]:
    """The period (``from``, ``to``: months; ``days``: the recent window) and ``top``."""
    start, end = _month(request, "from"), _month(request, "to")
    if start and end and start > end:
        raise QueryInvalid("from is after to")
    days = _number(request, "days", figures.RECENT_DAYS, 1, figures.MAX_DAYS)
    top = _number(request, "top", figures.TOP_AGENCIES, 1, figures.MAX_TOP_AGENCIES)
    return Period(start, end, days), top


def _bad(exc: QueryInvalid) -> HttpResponse:
    return problem(400, "request-invalid", str(exc))


def _page(request: HttpRequest, *, public: bool) -> HttpResponse:
    try:
        period, top = _query(request)
    except QueryInvalid as exc:
        return _bad(exc)
    months = figures.months(period)
    levels = figures.levels(period)
    agencies = [] if public else figures.top_agencies(period, top=top)
    connected = figures.connected()
    latency = figures.latency(period)
    states = figures.delivery_states(period)
    codes = figures.status_codes(period)
    refusals = figures.refusals(period)
    charts: dict[str, Any] = {
        "months": [[m.month, m.sent, m.received, m.growth] for m in months],
        "levels": [[f.name, f.sent, f.received] for f in levels],
        "connected": [[f.name, f.registered, f.connected, f.share] for f in connected],
        "states": [[f.name, f.count] for f in states],
        "codes": [[f"{f.code} {f.name}", f.count] for f in codes],
        "agencies": [[f"{f.code} {f.name}", f.sent, f.received] for f in agencies],
    }
    query = request.GET.urlencode()
    context = {
        "public": public,
        "period": period,
        "top": top,
        "months": months,
        "levels": levels,
        "agencies": agencies,
        "connected": connected,
        "latency": latency,
        "states": states,
        "codes": codes,
        "refusals": refusals,
        "sent_total": sum(m.sent for m in months),
        "received_total": sum(m.received for m in months),
        "growth_last": months[-1].growth if months else None,
        "pending": figures.pending(states),
        "dead": figures.dead(states),
        "charts": charts,
        "csv_names": list((tables.PUBLIC if public else tables.OPERATOR).keys()),
        "csv_query": f"?{query}" if query else "",
    }
    return render(request, "dashboard/page.html", context)


def _csv(request: HttpRequest, name: str, builders: dict[str, tables.Builder]) -> HttpResponse:
    builder = builders.get(name)
    if builder is None:
        return problem(404, "not-found", f"no figure named {name}")
    try:
        period, top = _query(request)
    except QueryInvalid as exc:
        return _bad(exc)
    table = builder(period, top)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lienthong-{name}.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(table.header)
    writer.writerows(["" if cell is None else cell for cell in row] for row in table.rows)
    return response


@require_safe
@staff_member_required
def operator_page(request: HttpRequest) -> HttpResponse:
    return _page(request, public=False)


@require_safe
def public_page(request: HttpRequest) -> HttpResponse:
    return _page(request, public=True)


@require_safe
@staff_member_required
def operator_csv(request: HttpRequest, name: str) -> HttpResponse:
    return _csv(request, name, tables.OPERATOR)


@require_safe
def public_csv(request: HttpRequest, name: str) -> HttpResponse:
    return _csv(request, name, tables.PUBLIC)
