"""Bad input gets a clear answer and loses nothing: damaged links, over-long fields, too large
uploads, impossible dates, links to other sites — never a 500."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from django.test import Client

from lienthong.dms import storage
from lienthong.dms.agencies.services import edxml_key
from lienthong.dms.dossiers import services as dossiers
from lienthong.dms.errors import NotAllowed
from lienthong.dms.incoming import services as incoming
from lienthong.dms.incoming.models import IncomingDocument, ReceivedMessage
from lienthong.dms.incoming.receive import store_edoc
from lienthong.dms.outgoing import services as outgoing
from lienthong.dms.outgoing.models import OutgoingDocument, OutgoingState

from .documents import make_pdf, signed_edoc
from .pki import RECIPIENT, SENDER
from .support import PASSWORD, arrive
from .test_english import english_client
from .test_incoming import take_back
from .test_outgoing import approved


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def friendly(response: Any, status: int = 200) -> str:
    page = str(response.content.decode())
    assert response.status_code == status, page[:500]
    assert "Traceback" not in page
    return page


# --- damaged links ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["answers=abc", "replaces=1x", "updates=%C4%90", "answers=" + "9" * 30]
)
def test_a_damaged_link_to_a_new_draft_opens_an_empty_form(offices: Any, query: str) -> None:
    page = friendly(client_for(offices.sender.specialist).get(f"/outgoing/new/?{query}"))
    assert 'name="subject"' in page


@pytest.mark.parametrize("value", ["in:abc", "out:", "in:-1", "nonsense"])
def test_filing_a_document_that_does_not_exist_says_so(offices: Any, value: str) -> None:
    office = offices.recipient
    dossier = dossiers.create_dossier(office.clerk, title="Hồ sơ", file_notation="01.HS", year=2026)
    response = client_for(office.clerk).post(
        f"/dossiers/{dossier.pk}/add/", {"document": value}, follow=True
    )
    assert "Không tìm thấy văn bản." in friendly(response)
    assert not dossier.incoming.exists() and not dossier.outgoing.exists()


def test_going_back_after_filing_never_leads_to_another_site(offices: Any) -> None:
    office = offices.recipient
    doc = arrive(offices)
    dossier = dossiers.create_dossier(office.clerk, title="Hồ sơ", file_notation="01.HS", year=2026)
    response = client_for(office.clerk).post(
        f"/dossiers/{dossier.pk}/add/",
        {"document": f"in:{doc.pk}", "back": "https://evil.example/phish"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/dossiers/{dossier.pk}/"
    assert list(dossier.incoming.all()) == [doc]


@pytest.mark.parametrize(
    "query",
    ["to=9999-12-31", "from=0001-01-01", "from=0001-01-01&to=9999-12-31", "from=2026-13-40"],
)
def test_a_report_over_impossible_dates_shows_this_year(offices: Any, query: str) -> None:
    page = friendly(client_for(offices.recipient.leader).get(f"/reports/?{query}"))
    assert f"01/01/{dt.date.today().year}" in page


# --- longer than the database holds -------------------------------------------------------------


def test_a_draft_field_longer_than_its_column_is_explained_and_nothing_is_saved(
    offices: Any,
) -> None:
    office = offices.sender
    response = client_for(office.specialist).post(
        "/outgoing/new/",
        {
            "type_name": "Công văn",
            "subject": "Về việc chuyển đổi số",
            "pdf": _upload(make_pdf()),
            "unit_notation": "X" * 21,
            "signer_name": "Nguyễn " * 20,
            "priority": "0",
            "recipients": RECIPIENT,
        },
    )
    page = friendly(response)
    assert "tối đa 20 kí tự (hiện có 21)" in page
    assert not OutgoingDocument.objects.filter(agency=office.agency).exists()


def test_a_dossier_title_longer_than_its_column_is_explained(offices: Any) -> None:
    office = offices.recipient
    response = client_for(office.clerk).post(
        "/dossiers/",
        {"title": "Hồ sơ " * 100, "file_notation": "01.HS", "year": "2026"},
        follow=True,
    )
    assert "Tiêu đề hồ sơ: Giá trị này chỉ có tối đa 500 kí tự" in friendly(response)
    assert not office.agency.dossiers.exists()


def test_a_received_document_with_over_long_fields_is_kept_cut_to_fit(offices: Any) -> None:
    data = signed_edoc(
        edxml_key(offices.sender.agency),
        sender=SENDER,
        to=(RECIPIENT,),
        number="1" * 35,
        notation="QĐ-" + "UBND" * 20,
    )
    assert store_edoc(offices.recipient.agency, "msg-long", data) == "document"
    doc = IncomingDocument.objects.get(hub_message_id="msg-long")
    assert doc.code_number == "1" * 29 + "…"
    assert len(doc.code_notation) == 60 and doc.code_notation.endswith("…")
    assert storage.get(doc.payload_sha256) == data  # the message itself, whole
    assert ReceivedMessage.objects.filter(hub_message_id="msg-long").exists()
    assert [n.code for n in doc.notices.all()] == ["01"]


# --- too large ----------------------------------------------------------------------------------


@pytest.fixture
def small_uploads(settings: Any) -> int:
    settings.LIENTHONG_DMS = dataclasses.replace(settings.LIENTHONG_DMS, max_upload_bytes=50_000)
    return 50_000


def _upload(data: bytes, name: str = "van-ban.pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_a_file_over_the_limit_is_refused_in_the_form(offices: Any, small_uploads: int) -> None:
    office = offices.sender
    response = client_for(office.specialist).post(
        "/outgoing/new/",
        {
            "type_name": "Công văn",
            "subject": "Về việc chuyển đổi số",
            "pdf": _upload(make_pdf() + b"%" * small_uploads),
            "priority": "0",
            "recipients": RECIPIENT,
        },
    )
    assert "Tệp quá lớn" in friendly(response)
    assert not OutgoingDocument.objects.filter(agency=office.agency).exists()


def test_a_request_far_over_the_limit_is_refused_before_it_is_read(
    offices: Any, small_uploads: int
) -> None:
    office = offices.recipient
    doc = incoming.register_incoming(arrive(offices), office.clerk)
    incoming.assign(doc, office.leader, main=office.specialist)
    response = client_for(office.specialist).post(
        f"/incoming/{doc.pk}/progress/",
        {"text": "Kèm tệp", "attachment": _upload(b"x" * (small_uploads + 2 * 1024 * 1024))},
    )
    page = friendly(response, 413)
    assert "Tệp quá lớn" in page and ("48,8" in page or "48.8" in page)
    assert not doc.events.filter(action="progress").exists()
    english = english_client(office.specialist).post(
        f"/incoming/{doc.pk}/progress/",
        {"attachment": _upload(b"x" * (small_uploads + 2 * 1024 * 1024))},
    )
    assert "File too large" in friendly(english, 413)


# --- who may, and when --------------------------------------------------------------------------


def test_only_a_clerk_sends_again_a_document_whose_sending_failed(offices: Any) -> None:
    office = offices.sender
    doc = outgoing.issue(approved(office), office.clerk)
    doc = outgoing.send(doc)  # as after the commit: this office's hub is unreachable
    assert doc.state == OutgoingState.ISSUED and doc.last_error
    for user in (office.archivist, office.specialist):
        with pytest.raises(NotAllowed):
            outgoing.send_again(doc, user)
        client_for(user).post(f"/outgoing/{doc.pk}/send/")
    doc = outgoing.send_again(doc, office.clerk)
    assert doc.state == OutgoingState.ISSUED and doc.last_error  # tried, and said why not


def test_a_document_taken_back_is_not_overdue(offices: Any) -> None:
    office = offices.recipient
    doc = incoming.register_incoming(arrive(offices), office.clerk)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    doc = incoming.assign(doc, office.leader, main=office.specialist, deadline=yesterday)
    assert doc.is_overdue
    take_back(offices, doc)
    doc.refresh_from_db()
    incoming.answer_revoke(doc, office.clerk, agree=True)
    doc.refresh_from_db()
    assert not doc.is_overdue
    leader = client_for(office.leader)
    assert doc.subject not in friendly(leader.get("/incoming/?show=overdue"))
    page = friendly(leader.get("/incoming/"))
    assert "quá hạn xử lý" not in page and 'class="overdue"' not in page
