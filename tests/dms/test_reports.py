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
