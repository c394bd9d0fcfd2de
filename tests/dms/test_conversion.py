"""A draft written in Word: the DOCX is made into a PDF/A by LibreOffice (``soffice``, the Debian
package ``libreoffice-writer-nogui``) that can be approved and signed like an uploaded PDF, the
DOCX is kept beside it, and what cannot be converted is refused in plain Vietnamese with nothing
stored. Where LibreOffice is not installed, the form says only PDF is accepted."""

from __future__ import annotations

import io
import os
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from lienthong.archive.pdfa import check_pdfa, pdfa_for_signing
from lienthong.dms import conversion, storage
from lienthong.dms.conversion import ConversionFailed, ConversionTimeout, ConverterMissing
from lienthong.dms.outgoing import services
from lienthong.dms.outgoing.models import OutgoingDocument, OutgoingState
from lienthong.dms.trust import policy
from lienthong.signatures.report import validate_pdf

from .pki import RECIPIENT
from .test_books import pdf_text
from .test_outgoing import draft
from .test_ui import client_for

TITLE = "Quyết định về việc Đắk Lắk"
BODY = "Ủy ban nhân dân tỉnh giao Sở Thông tin và Truyền thông thực hiện."
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def make_docx(*paragraphs: str) -> bytes:
    """The smallest DOCX Word and LibreOffice open: one paragraph per argument."""
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>"
        ),
        "word/document.xml": (
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as docx:
        for name, text in parts.items():
            docx.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + text)
    return out.getvalue()


def stored_files() -> list[Path]:
    return [p for p in Path(settings.LIENTHONG_DMS.files_dir).rglob("*") if p.is_file()]


def without_libreoffice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An install without LibreOffice: nothing on the PATH is called soffice or libreoffice."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def ended(pid: int, within: float = 5.0) -> bool:
    """Whether process ``pid`` is gone (or a zombie) within ``within`` seconds: a SIGKILL
    takes effect a moment after it is sent."""
    stat = Path(f"/proc/{pid}/stat")
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if stat.read_text().rsplit(") ", 1)[1].startswith("Z"):
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


# --- the conversion ---------------------------------------------------------------------------


def test_a_docx_becomes_a_pdf_with_its_vietnamese_text(tmp_path: Path) -> None:
    pdf = conversion.to_pdf(make_docx(TITLE, BODY), "quyet-dinh.docx")
    text = pdf_text(pdf, tmp_path)
    assert TITLE in text and BODY in text


def test_the_pdf_made_is_pdf_a_2b_and_is_signed_unchanged() -> None:
    pdf = conversion.to_pdf(make_docx(TITLE), "quyet-dinh.docx")
    check = check_pdfa(pdf)
    assert check.claimed == "2B" and check.conforms, check.problems
    assert not pdfa_for_signing(pdf).converted


def test_bytes_named_docx_that_are_not_a_docx_are_refused() -> None:
    not_a_zip = os.urandom(4096)
    a_zip_without_a_document = io.BytesIO()
    with zipfile.ZipFile(a_zip_without_a_document, "w") as other:
        other.writestr("readme.txt", "không phải văn bản")
    for data in (not_a_zip, a_zip_without_a_document.getvalue(), b""):
        with pytest.raises(ConversionFailed) as refused:
            conversion.to_pdf(data, "to-trinh.docx")
        assert refused.value.code == "conversion-failed"
        assert "Không chuyển được tệp to-trinh.docx sang PDF" in refused.value.message


def test_a_missing_libreoffice_is_said_plainly() -> None:
    with pytest.raises(ConverterMissing) as missing:
        conversion.to_pdf(make_docx(TITLE), "quyet-dinh.docx", program="/nonexistent/soffice")
    assert missing.value.code == "converter-missing"
    assert "chưa cài LibreOffice" in missing.value.message


def test_a_conversion_that_hangs_is_stopped_with_everything_it_started(tmp_path: Path) -> None:
    child = tmp_path / "child.pid"
    hanging = tmp_path / "soffice"
    hanging.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {child}\nwait\n")
    hanging.chmod(0o755)
    with pytest.raises(ConversionTimeout) as stopped:
        conversion.to_pdf(make_docx(TITLE), "quyet-dinh.docx", program=str(hanging), timeout=1)
    assert stopped.value.code == "conversion-timeout"
    assert "quá 1 giây" in stopped.value.message
    assert ended(int(child.read_text()))


def test_two_conversions_at_once_both_succeed() -> None:
    titles = ["Quyết định số một", "Quyết định số hai"]
    with ThreadPoolExecutor(2) as pool:
        made = list(pool.map(lambda t: conversion.to_pdf(make_docx(t), "qd.docx"), titles))
    assert all(check_pdfa(pdf).conforms for pdf in made)


# --- drafting with a DOCX ---------------------------------------------------------------------


def test_a_docx_draft_keeps_the_pdf_made_and_the_docx(offices: Any) -> None:
    docx = make_docx(TITLE, BODY)
    doc = draft(offices.sender, pdf_name="to-trinh.docx", pdf_data=docx)
    assert doc.draft_name == "to-trinh.pdf"
    assert check_pdfa(storage.get(doc.draft_sha256)).conforms
    assert (doc.source_name, storage.get(doc.source_sha256)) == ("to-trinh.docx", docx)
    assert [(e.action, e.text) for e in doc.events.all()] == [
        ("draft", ""),
        ("convert", "to-trinh.docx → to-trinh.pdf"),
    ]


def test_a_docx_draft_is_approved_and_signed(offices: Any) -> None:
    office = offices.sender
    doc = draft(office, pdf_name="to-trinh.docx", pdf_data=make_docx(TITLE))
    doc = services.submit_for_approval(doc, office.specialist)
    doc = services.approve_and_sign(doc, office.leader, office.p12_password)
    assert doc.state == OutgoingState.APPROVED
    report = validate_pdf(storage.get(doc.person_signed_sha256), policy())
    assert report.valid and [s.role for s in report.signatures] == ["person"]
    assert "pdfa" not in [e.action for e in doc.events.all()]  # already PDF/A as converted


def test_a_garbage_docx_draft_is_refused_and_nothing_is_stored(offices: Any) -> None:
    with pytest.raises(ConversionFailed):
        draft(offices.sender, pdf_name="to-trinh.docx", pdf_data=os.urandom(2048))
    assert not OutgoingDocument.objects.exists()
    assert stored_files() == []


def test_without_libreoffice_a_docx_draft_is_refused(
    offices: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    without_libreoffice(monkeypatch, tmp_path)
    with pytest.raises(ConverterMissing):
        draft(offices.sender, pdf_name="to-trinh.docx", pdf_data=make_docx(TITLE))
    assert not OutgoingDocument.objects.exists()
    assert stored_files() == []


# --- the draft form ---------------------------------------------------------------------------


def test_the_draft_form_takes_a_docx_where_libreoffice_is_installed(offices: Any) -> None:
    page = client_for(offices.sender.specialist).get("/outgoing/new/").content.decode()
    assert "Tệp văn bản (PDF hoặc DOCX)" in page
    assert 'accept=".pdf,.docx,.odt,.doc"' in page


def test_the_draft_form_says_only_pdf_without_libreoffice(
    offices: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    without_libreoffice(monkeypatch, tmp_path)
    page = client_for(offices.sender.specialist).get("/outgoing/new/").content.decode()
    assert "Máy chủ này chỉ nhận tệp PDF" in page
    assert 'accept=".pdf,application/pdf"' in page


def test_a_docx_uploaded_in_the_form_becomes_the_draft(offices: Any) -> None:
    response = client_for(offices.sender.specialist).post(
        "/outgoing/new/",
        {
            "type_name": "Quyết định",
            "subject": TITLE,
            "pdf": SimpleUploadedFile("qd.docx", make_docx(TITLE), content_type=DOCX_TYPE),
            "priority": "0",
            "recipients": f"{RECIPIENT} UBND tỉnh Nghệ An",
        },
        follow=True,
    )
    assert response.status_code == 200
    doc = OutgoingDocument.objects.get()
    assert (doc.draft_name, doc.source_name) == ("qd.pdf", "qd.docx")


def test_a_garbage_docx_in_the_form_is_explained_on_the_form(offices: Any) -> None:
    response = client_for(offices.sender.specialist).post(
        "/outgoing/new/",
        {
            "type_name": "Quyết định",
            "subject": TITLE,
            "pdf": SimpleUploadedFile("qd.docx", os.urandom(2048), content_type=DOCX_TYPE),
            "priority": "0",
            "recipients": f"{RECIPIENT} UBND tỉnh Nghệ An",
        },
    )
    page = response.content.decode()
    assert "Không chuyển được tệp qd.docx sang PDF" in page
    assert "Traceback" not in page
    assert not OutgoingDocument.objects.exists()
