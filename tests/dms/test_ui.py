"""The user interface over the services: scoped to the user's agency, role checks, friendly
errors, diacritic-insensitive search, printable registers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lienthong.dms.incoming import services
from lienthong.dms.incoming.models import IncomingState

from .support import PASSWORD, arrive


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_login_page_is_vietnamese_and_the_rest_needs_a_login(offices: Any) -> None:
    response = Client().get("/incoming/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    page = Client().get("/login/").content.decode()
    assert "Đăng nhập" in page


def test_the_incoming_list_shows_the_agency_s_documents_only(offices: Any) -> None:
    arrive(offices, subject="Kế hoạch phòng chống lụt bão")
    mine = client_for(offices.recipient.clerk).get("/incoming/").content.decode()
    theirs = client_for(offices.sender.clerk).get("/incoming/").content.decode()
    assert "Kế hoạch phòng chống lụt bão" in mine
    assert "Kế hoạch phòng chống lụt bão" not in theirs
    assert "Chưa có văn bản đến" in theirs


def test_another_agency_s_document_is_not_found(offices: Any) -> None:
    doc = arrive(offices)
    response = client_for(offices.sender.leader).get(f"/incoming/{doc.pk}/")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_the_detail_page_tells_the_signature_verdict_in_plain_words(offices: Any) -> None:
    doc = arrive(offices)
    page = client_for(offices.recipient.clerk).get(f"/incoming/{doc.pk}/").content.decode()
    assert "Chữ ký số của cơ quan gửi hợp lệ" in page
    assert "Tệp không có chữ ký số." in page
    assert 'id="register"' in page


def post_on(user: Any, doc: Any, verb: str, data: dict[str, Any] | None = None) -> str:
    """``user`` posts an action form of the document's page; the page shown after it (``doc``
    is refreshed from the database)."""
    response = client_for(user).post(f"/incoming/{doc.pk}/{verb}/", data or {}, follow=True)
    doc.refresh_from_db()
    return str(response.content.decode())


def test_a_clerk_registers_through_the_page(offices: Any) -> None:
    doc = arrive(offices)
    assert "Đã vào sổ văn bản đến." in post_on(offices.recipient.clerk, doc, "register")
    assert doc.state == IncomingState.REGISTERED and doc.arrival_number == 1


def test_a_specialist_sees_no_register_button_and_a_forged_post_is_refused(offices: Any) -> None:
    doc = arrive(offices)
    client = client_for(offices.recipient.specialist)
    assert 'id="register"' not in client.get(f"/incoming/{doc.pk}/").content.decode()
    assert "Không có quyền" in post_on(offices.recipient.specialist, doc, "register")
    assert doc.state == IncomingState.ARRIVED


def test_a_refusal_without_a_reason_is_explained(offices: Any) -> None:
    doc = arrive(offices)
    assert "Lý do từ chối" in post_on(offices.recipient.clerk, doc, "refuse", {"reason": ""})
    assert doc.state == IncomingState.ARRIVED


def test_a_leader_assigns_through_the_page(offices: Any) -> None:
    office = offices.recipient
    doc = services.register_incoming(arrive(offices), office.clerk)
    page = post_on(
        office.leader,
        doc,
        "assign",
        {
            "main": office.specialist.pk,
            "co": [office.colleague.pk],
            "deadline": "2026-12-31",
            "instruction": "Xử lý",
        },
    )
    assert "Đã phân công." in page
    assert doc.state == IncomingState.ASSIGNED


def test_a_user_of_another_agency_cannot_act_on_the_document(offices: Any) -> None:
    doc = arrive(offices)
    response = client_for(offices.sender.clerk).post(f"/incoming/{doc.pk}/register/")
    assert response.status_code == 404
    doc.refresh_from_db()
    assert doc.state == IncomingState.ARRIVED


def test_overdue_documents_stand_out_for_leaders(offices: Any) -> None:
    import datetime as dt

    office = offices.recipient
    doc = services.register_incoming(arrive(offices), office.clerk)
    services.assign(
        doc, office.leader, main=office.specialist, deadline=dt.date.today() - dt.timedelta(days=2)
    )
    page = client_for(office.leader).get("/incoming/").content.decode()
    assert "1 văn bản quá hạn xử lý" in page
    assert 'class="overdue"' in page


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("quyet dinh", True),
        ("QUYẾT ĐỊNH", True),
        ("dak lak", True),
        ("Đắk Lắk", True),
        ("chuyen doi so dak", True),
        ("ha noi", False),
    ],
)
def test_search_ignores_vietnamese_diacritics(offices: Any, query: str, found: bool) -> None:
    arrive(offices, subject="Quyết định phê duyệt kế hoạch chuyển đổi số tỉnh Đắk Lắk")
    page = client_for(offices.recipient.clerk).get("/search/", {"q": query}).content.decode()
    assert ('id="found-incoming"' in page) is found


def test_search_stays_within_the_agency(offices: Any) -> None:
    arrive(offices, subject="Quyết định tuyệt mật của tỉnh Đắk Lắk")
    page = client_for(offices.sender.clerk).get("/search/", {"q": "dak lak"}).content.decode()
    assert 'id="found-incoming"' not in page


def test_the_incoming_register_has_the_decree_30_columns_and_a_print_stylesheet(
    offices: Any,
) -> None:
    services.register_incoming(arrive(offices), offices.recipient.clerk)
    page = client_for(offices.recipient.clerk).get("/registers/").content.decode()
    for column in (
        "Ngày đến",
        "Số đến",
        "Tác giả",
        "Số, ký hiệu",
        "Tên loại và trích yếu nội dung",
        "Đơn vị hoặc người nhận",
        "Ký nhận",
        "Ghi chú",
    ):
        assert column in page
    assert "15/QĐ-UBND" in page
    css = b"".join(Client().get("/static/dms/dms.css").streaming_content)  # type: ignore[attr-defined]
    assert b"@media print" in css


def test_htmx_is_served_by_the_dms_itself(offices: Any) -> None:
    response = Client().get("/static/dms/htmx.min.js")
    assert response.status_code == 200
    assert b"htmx" in b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_an_unknown_page_is_a_friendly_404(offices: Any) -> None:
    response = client_for(offices.recipient.clerk).get("/no/such/page/")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode()


def test_a_specialist_drafts_and_cannot_issue(offices: Any) -> None:
    from .documents import make_pdf
    from .pki import RECIPIENT

    office = offices.sender
    client = client_for(office.specialist)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/outgoing/new/",
        {
            "type_name": "Quyết định",
            "subject": "Quyết định thành lập tổ công tác",
            "pdf": SimpleUploadedFile("qd.pdf", make_pdf(), content_type="application/pdf"),
            "priority": "0",
            "recipients": f"{RECIPIENT} UBND tỉnh Nghệ An",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Dự thảo" in page and 'id="submit"' in page
    assert 'id="issue"' not in page
    from lienthong.dms.outgoing.models import OutgoingDocument

    doc = OutgoingDocument.objects.get()
    assert doc.recipients == [{"code": RECIPIENT, "name": "UBND tỉnh Nghệ An"}]
    response = client.post(f"/outgoing/{doc.pk}/issue/", follow=True)
    assert "Không có quyền" in response.content.decode()


def test_a_handler_starts_a_reply_addressed_to_the_sender(offices: Any) -> None:
    office = offices.recipient
    doc = services.register_incoming(arrive(offices), office.clerk)
    services.assign(doc, office.leader, main=office.specialist)
    client = client_for(office.specialist)
    assert 'id="reply"' in client.get(f"/incoming/{doc.pk}/").content.decode()
    form = client.get("/outgoing/new/", {"answers": doc.pk}).content.decode()
    assert f"{doc.sender_code} {doc.sender_name}" in form
    assert "V/v trả lời văn bản số 15/QĐ-UBND" in form


def test_a_reply_cannot_be_started_from_another_agency_s_document(offices: Any) -> None:
    doc = arrive(offices)
    form = client_for(offices.sender.specialist).get("/outgoing/new/", {"answers": doc.pk})
    assert 'id="recipients" required>\n</textarea>' in form.content.decode()


def test_the_interface_switches_to_english(offices: Any) -> None:
    arrive(offices)
    client = client_for(offices.recipient.clerk)
    assert "Văn bản đến" in client.get("/incoming/").content.decode()
    client.post("/language/", {"language": "en", "next": "/incoming/"})
    page = client.get("/incoming/").content.decode()
    assert ">Incoming</a>" in page and "Văn bản đến" not in page
    detail = client.get(f"/incoming/{offices.recipient.agency.incoming.get().pk}/").content.decode()
    assert "The sending agency&#x27;s digital signature is valid" in detail


def test_an_english_browser_still_gets_vietnamese(offices: Any) -> None:
    client = client_for(offices.recipient.clerk)
    page = client.get("/incoming/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Văn bản đến" in page
