"""The processing slip (phiếu giải quyết văn bản đến) a clerk prints and files with the paper
copy: the document, the leader's assignment, the processing so far, blank lines for notes;
within the user's agency only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.test import Client
from django.utils import timezone

from lienthong.dms.incoming import services

from .support import arrive
from .test_ui import client_for

CSS = Path(__file__).parents[2] / "src/lienthong/dms/ui/static/dms/dms.css"


def slip_of(user: Any, doc: Any) -> str:
    response = client_for(user).get(f"/incoming/{doc.pk}/slip/")
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_slip_carries_the_document_the_assignment_and_the_processing(offices: Any) -> None:
    office = offices.recipient
    doc = services.register_incoming(
        arrive(offices, number="15", subject="Kế hoạch phòng chống lụt bão"), office.clerk
    )
    deadline = timezone.localdate() + dt.timedelta(days=10)
    services.assign(
        doc,
        office.leader,
        main=office.specialist,
        co=[office.colleague],
        info=[office.head],
        deadline=deadline,
        instruction="Tham mưu văn bản trả lời trước ngày 15",
    )
    services.record_progress(doc, office.specialist, "Đã họp với các phòng liên quan")
    services.complete(doc, office.specialist, "Đã báo cáo lãnh đạo")
    doc.refresh_from_db()

    slip = slip_of(office.clerk, doc)
    assert "PHIẾU GIẢI QUYẾT VĂN BẢN ĐẾN" in slip
    assert office.agency.name.upper() in slip
    assert 'id="slip-arrival">01<' in slip
    assert f"{timezone.localtime(doc.arrived_at):%d/%m/%Y}" in slip
    assert "15/QĐ-UBND" in slip and doc.sender_name in slip
    assert "Kế hoạch phòng chống lụt bão" in slip
    assignment = slip[slip.index('id="slip-assignment"') : slip.index('id="slip-history"')]
    assert "Chưa phân công" not in assignment
    assert office.specialist.display_name in assignment
    assert office.colleague.display_name in assignment
    assert office.head.display_name in assignment
    assert f"{deadline:%d/%m/%Y}" in assignment
    assert "Tham mưu văn bản trả lời trước ngày 15" in assignment
    assigned = doc.events.get(action="assign")
    assert f"{office.leader.display_name} ({office.leader.position})" in assignment
    assert f"{timezone.localtime(assigned.at):%d/%m/%Y %H:%M}" in assignment
    history = slip[slip.index('id="slip-history"') : slip.index('id="slip-notes"')]
    assert "Đã họp với các phòng liên quan" in history
    assert "Hoàn thành: Đã báo cáo lãnh đạo" in history
    assert f"Hoàn thành ngày</strong> {timezone.localtime(doc.completed_at):%d/%m/%Y}" in history
    assert slip.count('<div class="line"></div>') == 6  # for handwritten notes


def test_a_slip_before_any_assignment_is_printable_with_blanks(offices: Any) -> None:
    office = offices.recipient
    doc = services.register_incoming(arrive(offices), office.clerk)
    slip = slip_of(office.clerk, doc)
    assignment = slip[slip.index('id="slip-assignment"') : slip.index('id="slip-history"')]
    assert "Chưa phân công" in assignment
    assert assignment.count('<span class="blank"></span>') == 6  # every line left to write on
    assert "Chưa có ý kiến xử lý." in slip
    assert 'onclick="window.print()"' in slip


def test_the_detail_page_links_the_slip_once_the_document_is_registered(offices: Any) -> None:
    office = offices.recipient
    doc = arrive(offices)
    page = client_for(office.clerk).get(f"/incoming/{doc.pk}/").content.decode()
    assert 'id="slip-link"' not in page
    services.register_incoming(doc, office.clerk)
    page = client_for(office.clerk).get(f"/incoming/{doc.pk}/").content.decode()
    assert f'href="/incoming/{doc.pk}/slip/"' in page and "In phiếu giải quyết" in page


def test_another_agency_s_document_has_no_slip(offices: Any) -> None:
    doc = services.register_incoming(arrive(offices), offices.recipient.clerk)
    for user in (offices.sender.clerk, offices.sender.leader):
        response = client_for(user).get(f"/incoming/{doc.pk}/slip/")
        assert response.status_code == 404
        assert "Kế hoạch" not in response.content.decode()


def test_whoever_may_open_the_document_may_print_its_slip(offices: Any) -> None:
    office = offices.recipient
    doc = services.register_incoming(arrive(offices), office.clerk)
    for user in (office.leader, office.head, office.specialist, office.archivist):
        assert "PHIẾU GIẢI QUYẾT VĂN BẢN ĐẾN" in slip_of(user, doc)


def test_the_slip_needs_a_login(offices: Any) -> None:
    doc = services.register_incoming(arrive(offices), offices.recipient.clerk)
    response = Client().get(f"/incoming/{doc.pk}/slip/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_slip_prints_on_a4_portrait_without_the_navigation() -> None:
    css = CSS.read_text()
    printed = css[css.index("@media print") :]
    assert "header.top, .no-print" in printed  # navigation and buttons hidden
    assert ".slip { page: slip;" in printed
    assert "@page slip { size: A4 portrait;" in printed


def test_the_slip_follows_the_user_s_language(offices: Any) -> None:
    office = offices.recipient
    doc = services.register_incoming(arrive(offices), office.clerk)
    client = client_for(office.clerk)
    client.post("/language/", {"language": "en", "next": "/incoming/"})
    slip = client.get(f"/incoming/{doc.pk}/slip/").content.decode()
    assert "INCOMING DOCUMENT PROCESSING SLIP" in slip and "Not assigned yet" in slip
    assert "PHIẾU GIẢI QUYẾT" not in slip
