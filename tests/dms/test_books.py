"""The books of a year — incoming register, outgoing register, follow-up book — on the page, in
print and as a PDF made on the server (``/so/den/2026.pdf``, ``/so/di/…``, ``/so/theo-doi/…``):
Decree 30's columns, one row per registered document, Vietnamese text that can be searched and
copied, and nothing of another agency."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

from django.test import Client
from django.utils import timezone

from lienthong.dms.incoming import services
from lienthong.dms.outgoing import services as outgoing
from lienthong.dms.registers.models import Register

from .support import arrive
from .test_outgoing import approved, draft
from .test_ui import client_for

YEAR = timezone.localdate().year


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """What a reader extracts from the PDF (poppler's pdftotext, in drawing order), blanks
    collapsed; pdftotext fails on a PDF that does not open."""
    path = tmp_path / "book.pdf"
    path.write_bytes(data)
    extracted = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return " ".join(extracted.split())


def pdf_pages(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return int(next(ln for ln in info.stdout.splitlines() if ln.startswith("Pages:")).split()[1])


def get_pdf(user: Any, url: str) -> bytes:
    response = client_for(user).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return bytes(response.content)


def test_the_incoming_register_pdf_has_a_row_per_registered_document(
    offices: Any, tmp_path: Path
) -> None:
    clerk = offices.recipient.clerk
    for number, subject in (
        ("1", "Kế hoạch phòng chống lụt bão"),
        ("2", "Quyết định phê duyệt dự án ở Đắk Lắk"),
        ("3", "Thông báo lịch tiếp công dân"),
    ):
        services.register_incoming(arrive(offices, number=number, subject=subject), clerk)
    arrive(offices, number="4", subject="Chưa vào sổ")

    data = get_pdf(clerk, f"/so/den/{YEAR}.pdf")
    assert data.startswith(b"%PDF-")
    text = pdf_text(data, tmp_path)
    assert f"SỔ ĐĂNG KÝ VĂN BẢN ĐẾN — {YEAR}" in text
    assert offices.recipient.agency.name.upper() in text
    for column in ("Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ký nhận", "Ghi chú"):
        assert column in text
    for code in ("1/QĐ-UBND", "2/QĐ-UBND", "3/QĐ-UBND"):
        assert text.count(code) == 1
    assert "4/QĐ-UBND" not in text and "Chưa vào sổ" not in text
    assert "Kế hoạch phòng chống lụt bão" in text
    assert "Quyết định phê duyệt dự án ở Đắk Lắk" in text
    assert "Trang 1/1" in text


def test_a_long_register_continues_on_numbered_pages(offices: Any, tmp_path: Path) -> None:
    clerk = offices.recipient.clerk
    long_subject = "Kế hoạch triển khai chuyển đổi số " * 12
    for number in range(1, 13):
        services.register_incoming(arrive(offices, number=str(number), subject=long_subject), clerk)
    data = get_pdf(clerk, f"/so/den/{YEAR}.pdf")
    pages = pdf_pages(data, tmp_path)
    assert pages > 1
    text = pdf_text(data, tmp_path)
    assert f"Trang {pages}/{pages}" in text
    assert text.count("Số đến") == pages  # the headings repeat on every page
    assert all(f"{n}/QĐ-UBND" in text for n in range(1, 13))


def test_the_outgoing_register_pdf_lists_issued_documents_in_number_order(
    offices: Any, tmp_path: Path
) -> None:
    office = offices.sender
    outgoing.issue(approved(office), office.clerk)
    outgoing.issue(approved(office), office.clerk)
    draft(office, subject="Dự thảo chưa ban hành")

    text = pdf_text(get_pdf(office.clerk, f"/so/di/{YEAR}.pdf"), tmp_path)
    assert f"SỔ ĐĂNG KÝ VĂN BẢN ĐI — {YEAR}" in text
    for column in ("Người ký", "Nơi nhận", "Số lượng bản", "Ngày chuyển"):
        assert column in text
    first, second = text.index("01/QĐ-"), text.index("02/QĐ-")
    assert first < second
    assert text.count("Nguyễn Văn An") == 2
    assert "Dự thảo chưa ban hành" not in text


def test_each_register_of_an_agency_has_its_own_pdf(offices: Any, tmp_path: Path) -> None:
    office = offices.recipient
    main = office.agency.registers.get(kind="incoming")
    secret = Register.objects.create(agency=office.agency, kind="incoming", name="Sổ văn bản mật")
    services.register_incoming(arrive(offices, number="1"), office.clerk)
    services.register_incoming(arrive(offices, number="2"), office.clerk, register=secret)

    default = pdf_text(get_pdf(office.clerk, f"/so/den/{YEAR}.pdf"), tmp_path)
    chosen = pdf_text(get_pdf(office.clerk, f"/so/den/{YEAR}.pdf?register={secret.pk}"), tmp_path)
    assert "1/QĐ-UBND" in default and "2/QĐ-UBND" not in default
    assert "2/QĐ-UBND" in chosen and "1/QĐ-UBND" not in chosen
    by_id = pdf_text(get_pdf(office.clerk, f"/so/den/{YEAR}.pdf?register={main.pk}"), tmp_path)
    assert by_id == default


def test_an_empty_register_says_so(offices: Any, tmp_path: Path) -> None:
    text = pdf_text(get_pdf(offices.recipient.clerk, f"/so/den/{YEAR - 1}.pdf"), tmp_path)
    assert "Sổ chưa có văn bản nào trong năm này." in text


def test_a_user_of_another_agency_gets_nothing_of_the_register(
    offices: Any, tmp_path: Path
) -> None:
    services.register_incoming(
        arrive(offices, subject="Tài liệu của tỉnh Nghệ An"), offices.recipient.clerk
    )
    theirs = offices.recipient.agency.registers.get(kind="incoming")
    other = offices.sender.clerk
    # Asking for the other agency's register by its id gives one's own register.
    text = pdf_text(get_pdf(other, f"/so/den/{YEAR}.pdf?register={theirs.pk}"), tmp_path)
    assert "15/QĐ-UBND" not in text and "Nghệ An" not in text
    page = client_for(other).get("/registers/", {"register": theirs.pk}).content.decode()
    assert "15/QĐ-UBND" not in page
    follow_up = pdf_text(get_pdf(other, f"/so/theo-doi/{YEAR}.pdf"), tmp_path)
    assert "15/QĐ-UBND" not in follow_up


def test_books_need_a_login_and_an_unknown_book_is_not_found(offices: Any) -> None:
    response = Client().get(f"/so/den/{YEAR}.pdf")
    assert response.status_code == 302 and "/login/" in response["Location"]
    response = client_for(offices.recipient.clerk).get(f"/so/khac/{YEAR}.pdf")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode()


def test_the_register_page_links_its_pdf_and_prints_its_headings_on_every_page(
    offices: Any,
) -> None:
    register = offices.recipient.agency.registers.get(kind="incoming")
    page = client_for(offices.recipient.clerk).get("/registers/", {"register": register.pk})
    assert f'href="/so/den/{YEAR}.pdf?register={register.pk}"' in page.content.decode()
    css = b"".join(Client().get("/static/dms/dms.css").streaming_content)  # type: ignore[attr-defined]
    assert b"thead { display: table-header-group; }" in css


def test_the_follow_up_book_shows_handler_deadline_progress_and_reply(
    offices: Any, tmp_path: Path
) -> None:
    office = offices.recipient
    today = timezone.localdate()
    late = services.register_incoming(arrive(offices, number="1"), office.clerk)
    services.assign(
        late, office.leader, main=office.specialist, deadline=today - dt.timedelta(days=2)
    )
    answered = services.register_incoming(arrive(offices, number="2"), office.clerk)
    answered = services.assign(
        answered, office.leader, main=office.specialist, deadline=today + dt.timedelta(days=5)
    )
    reply = outgoing.issue(approved(office), office.clerk)
    services.complete(answered, office.specialist, "Đã trả lời", answered_by=reply)
    services.register_incoming(arrive(offices, number="3"), office.clerk)

    page = client_for(office.leader).get("/registers/", {"register": "follow-up"}).content.decode()
    assert "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" in page
    for column in ("Người giải quyết", "Thời hạn giải quyết", "Tiến độ giải quyết"):
        assert column in page
    assert page.count('class="overdue"') == 1
    assert "Quá hạn 2 ngày" in page
    assert f"Hoàn thành {today:%d/%m/%Y}" in page and reply.code_text in page
    assert "Đã vào sổ" in page  # the third, not assigned yet
    assert f'href="/so/theo-doi/{YEAR}.pdf"' in page

    text = pdf_text(get_pdf(office.leader, f"/so/theo-doi/{YEAR}.pdf"), tmp_path)
    assert "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" in text
    assert "Quá hạn 2 ngày" in text and reply.code_text in text
    assert office.specialist.display_name in text


def test_an_english_user_reads_the_page_in_english_but_the_pdf_is_the_vietnamese_book(
    offices: Any, tmp_path: Path
) -> None:
    client = client_for(offices.recipient.clerk)
    client.post("/language/", {"language": "en", "next": "/registers/"})
    page = client.get("/registers/").content.decode()
    assert "INCOMING DOCUMENTS REGISTER" in page
    response = client.get(f"/so/den/{YEAR}.pdf")
    text = pdf_text(bytes(response.content), tmp_path)
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text and "Trang 1/1" in text
    assert "INCOMING DOCUMENTS REGISTER" not in text and "Page 1/1" not in text
