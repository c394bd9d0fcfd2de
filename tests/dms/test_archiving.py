"""A dms dossier on its way to the archive: the package of a closed dossier (valid, with its
documents' processing history and signature validations in PREMIS), who may make it, the
hand-over warning 30 days ahead, and disposal with a leader's approval."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from lxml import etree
from typer.testing import CliRunner

from lienthong.archive.verify import verify_package
from lienthong.dms import storage
from lienthong.dms.archiving import package_for_user
from lienthong.dms.dossiers import services as dossiers
from lienthong.dms.dossiers.models import Disposal, Dossier
from lienthong.dms.errors import NotAllowed, WrongState
from lienthong.dms.incoming import services as incoming
from lienthong.dms.outgoing import services as outgoing
from lienthong.dms.textsearch import files_part

from .documents import make_pdf
from .pki import SENDER, SENDER_NAME
from .support import PASSWORD, arrive

PREMIS = "{http://www.loc.gov/premis/v3}"


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def closed_dossier(offices: Any, *, notation: str = "01.CDS") -> Dossier:
    """A dossier of the recipient office with an incoming document registered, assigned and
    completed, and an outgoing reply approved, signed and issued; retention set; closed."""
    office = offices.recipient
    doc = arrive(offices)
    incoming.register_incoming(doc, office.clerk)
    incoming.assign(doc, office.leader, main=office.specialist, instruction="Xử lý gấp")
    incoming.record_progress(doc, office.specialist, "Đã dự thảo văn bản trả lời")
    reply = outgoing.create_draft(
        office.specialist,
        subject="Báo cáo kết quả chuyển đổi số",
        type_name="Công văn",
        pdf_name="bao-cao.pdf",
        pdf_data=make_pdf("BÁO CÁO kết quả chuyển đổi số"),
        recipients=[{"code": SENDER, "name": SENDER_NAME}],
        answers=doc,
    )
    outgoing.submit_for_approval(reply, office.specialist)
    reply = outgoing.approve_and_sign(reply, office.leader, office.p12_password)
    reply = outgoing.issue(reply, office.clerk)
    incoming.complete(doc, office.specialist, "Đã trả lời")
    dossier = dossiers.create_dossier(
        office.specialist, title="Chuyển đổi số năm 2026", file_notation=notation, year=2026
    )
    dossiers.add_document(dossier, office.specialist, doc)
    dossiers.add_document(dossier, office.specialist, reply)
    dossiers.set_retention(dossier, office.archivist, 10)
    return dossiers.close_dossier(dossier, office.clerk)


def package_bytes(user: Any, dossier: Dossier) -> bytes:
    out = io.BytesIO()
    package_for_user(user, dossier, out)
    return out.getvalue()


def premis_of(package: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        name = next(n for n in z.namelist() if n.endswith("preservation/premis.xml"))
        return etree.fromstring(z.read(name))


def events_of(package: bytes) -> list[dict[str, str]]:
    return [
        {
            "type": e.findtext(f"{PREMIS}eventType") or "",
            "detail": e.findtext(f"{PREMIS}eventDetailInformation/{PREMIS}eventDetail") or "",
            "outcome": e.findtext(f"{PREMIS}eventOutcomeInformation/{PREMIS}eventOutcome") or "",
            "note": e.findtext(f".//{PREMIS}eventOutcomeDetailNote") or "",
        }
        for e in premis_of(package).iter(f"{PREMIS}event")
    ]


def test_a_closed_dossier_packages_and_the_package_verifies(offices: Any, tmp_path: Path) -> None:
    dossier = closed_dossier(offices)
    path = tmp_path / "sip.zip"
    path.write_bytes(package_bytes(offices.recipient.archivist, dossier))
    report = verify_package(path)
    assert report.valid, [p.as_dict() for p in report.problems]
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        meta_name = next(n for n in names if n.endswith("documentation/metadata.json"))
        metadata = json.loads(z.read(meta_name))
    assert any(n.endswith("0001-van-ban-den/quyet-dinh.pdf") for n in names)
    assert any(n.endswith("0002-van-ban-di/bao-cao.pdf") for n in names)
    assert metadata["dossier"]["fileCode"] == dossier.file_code
    assert metadata["dossier"]["maintenance"] == "06"  # 10 years
    received, edxml, reply = metadata["documents"][:3]
    assert reply["docCode"] == f"{dossier.file_code}.0002"
    assert (reply["codeNumber"], reply["codeNotation"]) == ("01", "UBND")
    # Signed as PDF/A by the dms; the PDF received from the sender is not PDF/A, and says so.
    assert (received["format"], edxml["format"], reply["format"]) == ("PDF", "edXML", "PDF/A-2B")


def test_the_command_line_packages_a_dms_dossier_and_verify_says_valid(
    offices: Any, tmp_path: Path
) -> None:
    from lienthong.cli import app

    dossier = closed_dossier(offices)
    out = tmp_path / "sip.zip"
    code = offices.recipient.agency.code
    runner = CliRunner()
    made = runner.invoke(
        app, ["archive", "package", dossier.file_code, "--agency", code, "-o", str(out), "--json"]
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["long_term_validation"] is False
    checked = runner.invoke(app, ["archive", "verify", str(out), "--json"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["valid"] is True
    by_id = runner.invoke(
        app, ["archive", "package", str(dossier.pk), "--agency", code, "-o", str(out)]
    )
    assert by_id.exit_code == 0, by_id.output


def test_an_open_dossier_is_refused(offices: Any, tmp_path: Path) -> None:
    from lienthong.cli import app

    office = offices.recipient
    dossier = dossiers.create_dossier(office.clerk, title="Hồ sơ", file_notation="02", year=2026)
    with pytest.raises(WrongState):
        package_bytes(office.archivist, dossier)
    out = tmp_path / "sip.zip"
    result = CliRunner().invoke(
        app,
        ["archive", "package", str(dossier.pk), "--agency", office.agency.code, "-o", str(out)],
    )
    assert result.exit_code == 1 and not out.exists()


def test_a_user_of_agency_a_cannot_package_b_s_dossier(offices: Any, tmp_path: Path) -> None:
    from lienthong.cli import app

    dossier = closed_dossier(offices)
    with pytest.raises(NotAllowed):
        package_bytes(offices.sender.archivist, dossier)
    response = client_for(offices.sender.archivist).post(f"/dossiers/{dossier.pk}/package/")
    assert response.status_code == 404
    out = tmp_path / "sip.zip"
    result = CliRunner().invoke(
        app,
        [
            "archive",
            "package",
            str(dossier.pk),
            "--agency",
            offices.sender.agency.code,
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 2 and not out.exists()


def test_a_specialist_cannot_package(offices: Any) -> None:
    dossier = closed_dossier(offices)
    with pytest.raises(NotAllowed):
        package_bytes(offices.recipient.specialist, dossier)


def test_the_archivist_downloads_the_package_from_the_dossier_page(offices: Any) -> None:
    dossier = closed_dossier(offices)
    client = client_for(offices.recipient.archivist)
    page = client.get(f"/dossiers/{dossier.pk}/").content.decode()
    assert 'id="package"' in page
    response = client.post(f"/dossiers/{dossier.pk}/package/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="{dossier.file_code}.zip"' in response["Content-Disposition"]
    assert zipfile.is_zipfile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    clerk_page = client_for(offices.recipient.clerk).get(f"/dossiers/{dossier.pk}/")
    assert 'id="package"' not in clerk_page.content.decode()


def test_premis_has_the_processing_events_and_the_signature_validations(offices: Any) -> None:
    dossier = closed_dossier(offices)
    events = events_of(package_bytes(offices.recipient.leader, dossier))
    types = [e["type"] for e in events]
    for step in ("arrive", "register", "assign", "progress", "complete"):
        assert step in types
    for step in ("draft", "submit", "pdfa", "approve", "issue"):
        assert step in types
    assert any("Vào sổ" in e["detail"] for e in events)
    validations = [e for e in events if e["type"] == "validation"]
    signatures = [e for e in validations if "PAdES signature" in e["detail"]]
    assert len(signatures) == 2 and all(e["outcome"] == "success" for e in signatures)
    assert any("edXML signature" in e["detail"] for e in validations)
    assert any(e["detail"].startswith("format validation: PDF/A-2B") for e in validations)
    assert any(e["detail"].startswith("format validation: not PDF/A") for e in validations)
    # No TSA configured: the package says long-term validation was not done.
    assert any(e["outcome"] == "warning" and "not done" in e["detail"] for e in validations)


def test_with_a_tsa_every_signature_is_extended_to_b_lta(
    offices: Any, settings: Any, served_pki: Any
) -> None:
    settings.LIENTHONG_DMS = dataclasses.replace(
        settings.LIENTHONG_DMS, tsa_url=served_pki.info.tsa_url
    )
    dossier = closed_dossier(offices)
    package = package_bytes(offices.recipient.archivist, dossier)
    events = events_of(package)
    signatures = [e for e in events if "PAdES signature" in e["detail"]]
    records = [json.loads(e["note"]) for e in signatures]
    assert [r["role"] for r in records] == ["person", "agency"]
    # Each record is lienthong.archive.ltv's, as it is: level reached, embedded data, verdict.
    assert all(r["level"] == "B-LTA" and r["valid"] and r["long_term_valid"] for r in records)
    assert all(r["embedded"]["ocsp_responses"] > 0 for r in records)
    assert [e["outcome"] for e in signatures] == [r["outcome"] for r in records]
    assert not any("not done" in e["detail"] for e in events)
    # The validation data and the document timestamp are incremental: still PDF/A.
    assert any(e["detail"].startswith("format validation: PDF/A-2B") for e in events)


def close_on(dossier: Dossier, day: dt.date) -> Dossier:
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    Dossier.objects.filter(pk=dossier.pk).update(
        closed_at=moment, handover_due=day.replace(year=day.year + 1)
    )
    dossier.refresh_from_db()
    return dossier


@pytest.mark.parametrize(
    ("days_until_due", "warned"), [(31, False), (30, True), (1, True), (0, True), (-5, True)]
)
def test_the_handover_warning_appears_exactly_30_days_ahead(
    offices: Any, days_until_due: int, warned: bool
) -> None:
    office = offices.recipient
    dossier = dossiers.create_dossier(office.clerk, title="Hồ sơ A", file_notation="A", year=2026)
    dossiers.close_dossier(dossier, office.clerk)
    today = timezone.localdate()
    due = today + dt.timedelta(days=days_until_due)
    Dossier.objects.filter(pk=dossier.pk).update(handover_due=due)
    warnings = dossiers.handover_warnings(office.agency.id, today)
    assert [w.dossier.pk for w in warnings] == ([dossier.pk] if warned else [])
    for page_path in ("/dossiers/", "/reports/"):
        page = client_for(office.clerk).get(page_path).content.decode()
        assert ('id="handover-warnings"' in page) is warned
    other = client_for(offices.sender.clerk).get("/dossiers/").content.decode()
    assert 'id="handover-warnings"' not in other


def test_closing_sets_the_handover_one_year_later_and_handing_over_ends_the_warning(
    offices: Any,
) -> None:
    office = offices.recipient
    dossier = dossiers.create_dossier(office.clerk, title="Hồ sơ B", file_notation="B", year=2026)
    dossier = dossiers.close_dossier(dossier, office.clerk)
    closed = timezone.localdate(dossier.closed_at)
    assert dossier.handover_due == closed.replace(year=closed.year + 1)
    late = dossier.handover_due + dt.timedelta(days=1)
    assert dossiers.handover_warnings(office.agency.id, late)
    dossiers.record_handover(dossier, office.archivist)
    assert dossiers.handover_warnings(office.agency.id, late) == []


def test_disposal_without_approval_is_refused(offices: Any) -> None:
    office = offices.recipient
    dossier = close_on(closed_dossier(offices), timezone.localdate() - dt.timedelta(days=3660))
    with pytest.raises(WrongState):
        dossiers.dispose(dossier, office.archivist)
    dossiers.propose_disposal(dossier, office.archivist, "Hết thời hạn bảo quản 10 năm")
    with pytest.raises(WrongState):
        dossiers.dispose(dossier, office.archivist)
    with pytest.raises(NotAllowed):
        dossiers.approve_disposal(dossier, office.archivist)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.CLOSED
    for doc in dossier.outgoing.all():
        assert storage.exists(doc.final_sha256)


def test_a_permanent_or_unexpired_dossier_cannot_be_proposed_for_disposal(offices: Any) -> None:
    office = offices.recipient
    dossier = closed_dossier(offices)
    with pytest.raises(WrongState):  # 10 years have not passed
        dossiers.propose_disposal(dossier, office.archivist, "Hết hạn")
    dossiers.set_retention(dossier, office.archivist, None)
    close_on(dossier, timezone.localdate() - dt.timedelta(days=40000))
    with pytest.raises(WrongState):
        dossiers.propose_disposal(dossier, office.archivist, "Hết hạn")


def test_after_approval_the_documents_go_and_metadata_and_record_remain(offices: Any) -> None:
    office = offices.recipient
    dossier = close_on(closed_dossier(offices), timezone.localdate() - dt.timedelta(days=3660))
    reply = dossier.outgoing.get()
    reply.source_sha256 = storage.put(b"the DOCX the draft was made from")  # a converted draft
    reply.save(update_fields=["source_sha256"])
    files = [reply.final_sha256, reply.draft_sha256, reply.source_sha256]
    assert "ket qua chuyen doi so" in files_part(reply.text.content)
    dossiers.propose_disposal(dossier, office.archivist, "Hết thời hạn bảo quản 10 năm")
    client_for(office.leader).post(f"/dossiers/{dossier.pk}/disposal/approve/")
    with pytest.raises(WrongState):  # approved already
        dossiers.approve_disposal(dossier, office.leader)
    with django_on_commit():
        dossiers.dispose(dossier, office.archivist)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DISPOSED
    with pytest.raises(WrongState):  # closing again would bring back its hand-over and package
        dossiers.close_dossier(dossier, office.archivist)
    with pytest.raises(WrongState):
        dossiers.add_document(dossier, office.archivist, arrive(offices, number="99"))
    assert (dossier.file_code, dossier.title, dossier.maintenance) == (
        f"{office.agency.code}.2026.01.CDS",
        "Chuyển đổi số năm 2026",
        "06",
    )
    record = Disposal.objects.get(dossier=dossier)
    assert record.approved_by == office.leader and record.approved_at is not None
    assert record.disposed_by == office.archivist and record.disposed_at is not None
    assert record.reason == "Hết thời hạn bảo quản 10 năm"
    assert [d["subject"] for d in record.inventory] == [
        "Quyết định phê duyệt kế hoạch chuyển đổi số tỉnh Đắk Lắk",
        "Báo cáo kết quả chuyển đổi số",
    ]
    assert all(d["destroyed"] for d in record.inventory)
    assert not any(storage.exists(f) for f in files)
    reply.refresh_from_db()
    assert "ket qua chuyen doi so" not in files_part(reply.text.content)  # gone with the files
    assert reply.subject == "Báo cáo kết quả chuyển đổi số"  # the metadata stays
    page = client_for(office.clerk).get(f"/dossiers/{dossier.pk}/").content.decode()
    assert "Đã hủy" in page and "Hết thời hạn bảo quản 10 năm" in page
    with pytest.raises(WrongState):
        package_bytes(office.archivist, dossier)


def test_a_document_still_in_another_dossier_is_kept(offices: Any) -> None:
    office = offices.recipient
    dossier = close_on(closed_dossier(offices), timezone.localdate() - dt.timedelta(days=3660))
    reply = dossier.outgoing.get()
    other = dossiers.create_dossier(office.clerk, title="Khác", file_notation="09", year=2026)
    dossiers.add_document(other, office.clerk, reply)
    dossiers.propose_disposal(dossier, office.archivist, "Hết hạn")
    dossiers.approve_disposal(dossier, office.leader)
    with django_on_commit():
        record = dossiers.dispose(dossier, office.archivist)
    kept = [d for d in record.inventory if not d["destroyed"]]
    assert [d["id"] for d in kept] == [reply.pk]
    assert storage.exists(reply.final_sha256)


def django_on_commit() -> Any:
    """Run the callbacks registered with ``transaction.on_commit`` (the test's transaction is
    never committed)."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_the_archivist_sets_the_retention_and_records_the_handover_on_the_page(
    offices: Any,
) -> None:
    office = offices.recipient
    dossier = dossiers.create_dossier(office.clerk, title="Hồ sơ C", file_notation="C", year=2026)
    dossiers.close_dossier(dossier, office.clerk)
    client = client_for(office.archivist)
    client.post(
        f"/dossiers/{dossier.pk}/retention/", {"retention": "khac", "years": "15", "mode": "02"}
    )
    dossier.refresh_from_db()
    assert (dossier.maintenance, dossier.retention_years, dossier.mode) == ("07", 15, "02")
    client.post(f"/dossiers/{dossier.pk}/retention/", {"retention": "vinh-vien", "mode": "01"})
    dossier.refresh_from_db()
    assert (dossier.maintenance, dossier.retention_years) == ("01", None)
    assert "Vĩnh viễn" in client.get(f"/dossiers/{dossier.pk}/").content.decode()
    page = client.post(f"/dossiers/{dossier.pk}/handover/", follow=True).content.decode()
    assert "Đã ghi nhận nộp lưu hồ sơ." in page
    dossier.refresh_from_db()
    assert dossier.handed_over_at is not None
    refused = client_for(office.specialist).post(
        f"/dossiers/{dossier.pk}/retention/", {"retention": "10", "mode": "01"}, follow=True
    )
    assert "Không có quyền" in refused.content.decode()
