"""Reports: documents in and out, processed online, on time, overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from lienthong.dms.incoming import services
from lienthong.dms.reports.services import agency_report

from .support import arrive
from .test_ui import client_for


def test_the_report_counts_documents_and_rates(offices: Any) -> None:
    office = offices.recipient
    today = timezone.localdate()
    on_time = services.register_incoming(arrive(offices, number="1"), office.clerk)
    on_time = services.assign(
        on_time, office.leader, main=office.specialist, deadline=today + dt.timedelta(days=3)
    )
    services.complete(on_time, office.specialist, "Xong")
    late = services.register_incoming(arrive(offices, number="2"), office.clerk)
    services.assign(
        late, office.leader, main=office.specialist, deadline=today - dt.timedelta(days=1)
    )
    arrive(offices, number="3")  # not registered yet

    report = agency_report(office.agency.id, today.replace(day=1), today)
    assert report.incoming == 3
    assert report.outgoing == 0
    assert (report.completed, report.completed_on_time) == (1, 1)
    assert report.processed_online == 2
    assert [d.code_text for d in report.overdue] == ["2/QĐ-UBND"]
    assert [(m.month.month, m.incoming) for m in report.months] == [(today.month, 3)]


def test_the_reports_page_shows_the_overdue_list(offices: Any) -> None:
    office = offices.recipient
    late = services.register_incoming(arrive(offices), office.clerk)
    services.assign(
        late,
        office.leader,
        main=office.specialist,
        deadline=timezone.localdate() - dt.timedelta(days=1),
    )
    page = client_for(office.leader).get("/reports/").content.decode()
    assert 'id="overdue"' in page and "15/QĐ-UBND" in page
    other = client_for(offices.sender.leader).get("/reports/").content.decode()
    assert "Không có văn bản quá hạn." in other


def test_every_month_of_the_period_is_a_row_even_without_documents(offices: Any) -> None:
    arrive(offices)
    today = timezone.localdate()
    report = agency_report(offices.recipient.agency.id, dt.date(today.year - 1, 11, 15), today)
    assert report.months[0].month == dt.date(today.year - 1, 11, 1)
    assert report.months[-1].month == today.replace(day=1)
    assert len(report.months) == today.month + 2
    assert sum(m.incoming for m in report.months) == 1
    assert [m.incoming for m in report.months[:2]] == [0, 0]


def test_the_reports_page_shows_the_rates_of_the_user_s_agency_only(offices: Any) -> None:
    office = offices.recipient
    today = timezone.localdate()
    for number, deadline in (("1", today + dt.timedelta(days=3)), ("2", today)):
        doc = services.register_incoming(arrive(offices, number=number), office.clerk)
        doc = services.assign(doc, office.leader, main=office.specialist, deadline=deadline)
        services.complete(doc, office.specialist, "Xong")
    late = services.register_incoming(arrive(offices, number="3"), office.clerk)
    late = services.assign(
        late, office.leader, main=office.specialist, deadline=today - dt.timedelta(days=1)
    )
    services.complete(late, office.specialist, "Xong muộn")
    arrive(offices, number="4")  # waiting for the clerk: not processed online yet

    page = client_for(office.leader).get("/reports/").content.decode()
    assert '<dd id="total-in">4</dd>' in page
    assert '<dd id="online">75%</dd>' in page  # 3 of 4 handled in the system
    assert '<dd id="on-time">67% (2/3)</dd>' in page
    other = client_for(offices.sender.leader).get("/reports/").content.decode()
    assert '<dd id="total-in">0</dd>' in other
    assert '<dd id="on-time">—</dd>' in other


def test_a_period_given_backwards_is_read_forwards(offices: Any) -> None:
    arrive(offices)
    today = timezone.localdate()
    page = client_for(offices.recipient.leader).get(
        "/reports/", {"from": today.isoformat(), "to": today.replace(day=1).isoformat()}
    )
    assert '<dd id="total-in">1</dd>' in page.content.decode()


def test_the_overdue_list_links_the_follow_up_book(offices: Any) -> None:
    page = client_for(offices.recipient.leader).get("/reports/").content.decode()
    assert "?register=follow-up" in page
