"""Search in the documents' text: what their PDF files say, when the user asks for it, without
diacritics, within the agency."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lienthong.dms import pdftext
from lienthong.dms.outgoing import services as outgoing

from .documents import make_pdf
from .support import PASSWORD, arrive
from .test_outgoing import approved, draft

FLOOD = "Báo cáo tình hình thiệt hại do lũ lụt tại xã Ea Tu, Đắk Lắk"


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def found(page: str, kind: str) -> bool:
    return f'id="found-{kind}"' in page


def test_the_text_of_a_pdf_is_kept_searchable() -> None:
    text = pdftext.searchable_text(make_pdf(FLOOD))
    assert "thiet hai do lu lut tai xa ea tu, dak lak" in text


def test_a_pdf_that_cannot_be_read_has_no_text() -> None:
    assert pdftext.searchable_text(b"%PDF-1.7 not really", b"", make_pdf(FLOOD)[:200]) == ""


def test_the_text_kept_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdftext, "MAX_CHARS", 30)
    assert len(pdftext.searchable_text(make_pdf(FLOOD), make_pdf(FLOOD))) == 30


def test_the_search_reads_an_incoming_document_s_text_when_asked(offices: Any) -> None:
    arrive(offices, subject="Báo cáo nhanh", pdf=make_pdf(FLOOD))
    clerk = client_for(offices.recipient.clerk)
    assert not found(clerk.get("/search/", {"q": "lu lut ea tu"}).text, "incoming")
    page = clerk.get("/search/", {"q": "lu lut ea tu", "text": "1"}).text
    assert found(page, "incoming") and 'name="text" value="1" checked' in page
    listed = clerk.get("/incoming/", {"q": "LŨ LỤT", "text": "1"}).text
    assert "Báo cáo nhanh" in listed
    assert "Báo cáo nhanh" not in clerk.get("/incoming/", {"q": "LŨ LỤT"}).text


def test_the_search_reads_a_draft_s_text_when_asked(offices: Any) -> None:
    draft(offices.sender, subject="Công văn gửi tỉnh", pdf_data=make_pdf(FLOOD))
    specialist = client_for(offices.sender.specialist)
    assert "Công văn gửi tỉnh" in specialist.get("/outgoing/", {"q": "ea tu", "text": "1"}).text
    assert "Công văn gửi tỉnh" not in specialist.get("/outgoing/", {"q": "ea tu"}).text
    assert found(specialist.get("/search/", {"q": "thiet hai", "text": "1"}).text, "outgoing")


def test_every_word_must_be_found_in_the_metadata_or_the_text(offices: Any) -> None:
    arrive(offices, subject="Báo cáo nhanh", pdf=make_pdf(FLOOD))
    clerk = client_for(offices.recipient.clerk)
    assert found(clerk.get("/search/", {"q": "bao cao ea tu", "text": "1"}).text, "incoming")
    assert not found(clerk.get("/search/", {"q": "ea tu sâu bệnh", "text": "1"}).text, "incoming")


def test_an_issued_document_is_found_by_its_number_in_the_text_search_too(offices: Any) -> None:
    office = offices.sender
    doc = outgoing.issue(approved(office), office.clerk)
    page = client_for(office.clerk).get("/outgoing/", {"q": doc.code_text, "text": "1"}).text
    assert doc.subject in page


def test_the_text_search_stays_within_the_agency(offices: Any) -> None:
    arrive(offices, subject="Báo cáo nhanh", pdf=make_pdf(FLOOD))
    other = client_for(offices.sender.clerk)
    assert not found(other.get("/search/", {"q": "ea tu", "text": "1"}).text, "incoming")


@pytest.mark.django_db(transaction=True)
def test_documents_stored_before_the_text_table_are_found_by_their_metadata(
    offices: Any,
) -> None:
    """Migrating a dms that had documents: each gets its row of search text (its metadata)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from lienthong.dms.incoming.models import IncomingDocument, IncomingText

    doc = arrive(offices, subject="Báo cáo nhanh", pdf=make_pdf(FLOOD))
    executor = MigrationExecutor(connection)
    executor.migrate([("incoming", "0003_list_and_search_indexes")])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    text = IncomingText.objects.get(document=IncomingDocument.objects.get(pk=doc.pk))
    assert text.content == IncomingDocument.objects.get(pk=doc.pk).search_text + "\n"
    page = client_for(offices.recipient.clerk).get("/search/", {"q": "bao cao", "text": "1"}).text
    assert found(page, "incoming")
