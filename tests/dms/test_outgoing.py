"""The outgoing flow on the services: draft → submit → approve and sign → issue (number, agency
signature, signed edXML), and who may do what."""

from __future__ import annotations

from typing import Any

import pytest

from lienthong.dms import storage
from lienthong.dms.errors import InvalidInput, NotAllowed, SigningFailed, WrongState
from lienthong.dms.outgoing import services
from lienthong.dms.outgoing.models import OutgoingState
from lienthong.dms.trust import policy
from lienthong.edxml.dsig import verify
from lienthong.edxml.model import EdocMessage
from lienthong.signatures.report import validate_pdf

from .documents import make_pdf
from .pki import RECIPIENT, RECIPIENT_NAME, SENDER


def draft(office: Any, **options: Any) -> Any:
    fields: dict[str, Any] = {
        "subject": "Quyết định phê duyệt kế hoạch chuyển đổi số năm 2026",
        "type_name": "Quyết định",
        "pdf_name": "quyet-dinh.pdf",
        "pdf_data": make_pdf(),
        "recipients": [{"code": RECIPIENT, "name": RECIPIENT_NAME}],
        "signer_competence": "KT. CHỦ TỊCH",
        "signer_position": "Phó Chủ tịch",
        "signer_name": "Nguyễn Văn An",
        "priority": 1,
    }
    fields.update(options)
    return services.create_draft(office.specialist, **fields)


def approved(office: Any) -> Any:
    doc = services.submit_for_approval(draft(office), office.specialist)
    return services.approve_and_sign(doc, office.leader, office.p12_password)


def test_a_draft_keeps_its_pdf_and_metadata(offices: Any) -> None:
    doc = draft(offices.sender)
    assert doc.state == OutgoingState.DRAFT
    assert storage.get(doc.draft_sha256).startswith(b"%PDF")
    assert doc.recipient_codes == [RECIPIENT]


def test_a_draft_needs_a_pdf_and_valid_recipients(offices: Any) -> None:
    with pytest.raises(InvalidInput):
        draft(offices.sender, pdf_data=b"not a pdf")
    with pytest.raises(InvalidInput):
        draft(offices.sender, recipients=[{"code": "nowhere"}])


def test_the_approver_signs_with_the_personal_certificate(offices: Any) -> None:
    doc = approved(offices.sender)
    assert doc.state == OutgoingState.APPROVED
    report = validate_pdf(storage.get(doc.person_signed_sha256), policy())
    assert report.valid
    assert [s.role for s in report.signatures] == ["person"]


def test_a_wrong_certificate_password_signs_nothing(offices: Any) -> None:
    office = offices.sender
    doc = services.submit_for_approval(draft(office), office.specialist)
    with pytest.raises(SigningFailed):
        services.approve_and_sign(doc, office.leader, "wrong password")
    doc.refresh_from_db()
    assert doc.state == OutgoingState.SUBMITTED and not doc.person_signed_sha256


def test_a_specialist_cannot_approve(offices: Any) -> None:
    office = offices.sender
    doc = services.submit_for_approval(draft(office), office.specialist)
    with pytest.raises(NotAllowed):
        services.approve_and_sign(doc, office.specialist, office.p12_password)


def test_issuing_numbers_signs_twice_and_builds_the_signed_edxml(offices: Any) -> None:
    office = offices.sender
    doc = services.issue(approved(office), office.clerk)
    assert doc.state == OutgoingState.ISSUED
    assert doc.code_text == "01/QĐ-UBND"
    report = validate_pdf(storage.get(doc.final_sha256), policy())
    assert report.valid
    assert [s.role for s in report.signatures] == ["person", "agency"]
    verified = verify(storage.get(doc.edxml_sha256), policy())
    message = verified.parsed.message
    assert isinstance(message, EdocMessage)
    assert message.from_.organ_id == SENDER
    assert [t.organ_id for t in message.to] == [RECIPIENT]
    assert message.code.text == "01/QĐ-UBND"
    assert message.signer_info.full_name == "Nguyễn Văn An"
    assert message.other_info.priority == "1"
    assert doc.document_id == message.document_id


def test_the_second_document_gets_the_next_number(offices: Any) -> None:
    office = offices.sender
    services.issue(approved(office), office.clerk)
    second = services.issue(approved(office), office.clerk)
    assert second.code_text == "02/QĐ-UBND"


def test_a_specialist_cannot_issue(offices: Any) -> None:
    office = offices.sender
    with pytest.raises(NotAllowed):
        services.issue(approved(office), office.specialist)


def test_an_unapproved_draft_cannot_be_issued(offices: Any) -> None:
    office = offices.sender
    with pytest.raises(WrongState):
        services.issue(draft(office), office.clerk)


def test_a_clerk_of_another_agency_cannot_issue(offices: Any) -> None:
    with pytest.raises(NotAllowed):
        services.issue(approved(offices.sender), offices.recipient.clerk)


def test_the_approver_may_send_a_draft_back(offices: Any) -> None:
    office = offices.sender
    doc = services.submit_for_approval(draft(office), office.specialist)
    doc = services.send_back(doc, office.leader, "Sửa trích yếu")
    assert doc.state == OutgoingState.DRAFT


def pdf_with_javascript() -> bytes:
    """A PDF that runs JavaScript when opened: it cannot be made PDF/A."""
    import io

    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_the_approver_signs_the_draft_made_pdfa_first(offices: Any) -> None:
    from lienthong.archive.pdfa import check_pdfa

    office = offices.sender
    assert not check_pdfa(make_pdf()).conforms
    doc = approved(office)
    signed = check_pdfa(storage.get(doc.person_signed_sha256))
    assert signed.signed and signed.before_signing is not None
    assert signed.before_signing.conforms
    assert [e.action for e in doc.events.all()] == ["draft", "submit", "pdfa", "approve"]
    issued = services.issue(doc, office.clerk)
    final = check_pdfa(storage.get(issued.final_sha256))
    assert final.before_signing is not None and final.before_signing.conforms


def test_a_draft_that_cannot_be_pdfa_is_not_signed_and_the_approver_is_told_why(
    offices: Any,
) -> None:
    from django.test import Client

    from lienthong.dms.errors import NotArchivable

    from .support import PASSWORD

    office = offices.sender
    doc = services.submit_for_approval(
        draft(office, pdf_data=pdf_with_javascript()), office.specialist
    )
    with pytest.raises(NotArchivable, match="JavaScript"):
        services.approve_and_sign(doc, office.leader, office.p12_password)
    doc.refresh_from_db()
    assert doc.state == OutgoingState.SUBMITTED and not doc.person_signed_sha256
    assert [e.action for e in doc.events.all()] == ["draft", "submit"]
    client = Client()
    assert client.login(username=office.leader.username, password=PASSWORD)
    page = client.post(
        f"/outgoing/{doc.pk}/approve/", {"password": office.p12_password}, follow=True
    ).content.decode()
    assert "không chuyển được sang định dạng PDF/A" in page
    assert "Traceback" not in page and "PdfaError" not in page
