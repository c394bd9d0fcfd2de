"""The incoming flow on the services: arrive → register → assign → progress → complete, the
refusal, the take-back, and who may do what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lienthong.dms.errors import InvalidInput, NotAllowed, WrongState
from lienthong.dms.incoming import services
from lienthong.dms.incoming.models import IncomingState, RevokeState
from lienthong.dms.incoming.receive import store_status
from lienthong.dms.incoming.verdict import edxml_sentence, pdf_sentences
from lienthong.edxml import build
from lienthong.edxml.dsig import sign
from lienthong.edxml.model import Organization, ResponseFor, StatusMessage

from .pki import RECIPIENT, SENDER
from .support import arrive


def codes(document: Any) -> list[str]:
    return [n.code for n in document.notices.order_by("created_at", "id")]


def test_an_arrived_document_is_stored_with_its_signature_verdict_and_owes_status_01(
    offices: Any,
) -> None:
    doc = arrive(offices)
    assert doc.state == IncomingState.ARRIVED
    assert doc.sender_code == SENDER
    assert doc.code_text == "15/QĐ-UBND"
    assert doc.signature_ok is False  # the PDF inside carries no PAdES signature
    assert doc.verdict["edxml"]["ok"] is True
    ok, sentence = edxml_sentence(doc.verdict["edxml"])
    assert ok and "hợp lệ" in sentence
    pdf = doc.files.get()
    assert pdf.content_type == "application/pdf"
    assert pdf_sentences(pdf.pdf_verdict) == [(False, "Tệp không có chữ ký số.")]
    assert codes(doc) == ["01"]


def test_a_tampered_document_is_stored_with_a_failing_verdict(offices: Any) -> None:
    from lienthong.dms.agencies.services import edxml_key
    from lienthong.dms.incoming.models import IncomingDocument
    from lienthong.dms.incoming.receive import store_edoc

    from .documents import signed_edoc

    data = signed_edoc(edxml_key(offices.sender.agency), sender=SENDER, to=(RECIPIENT,))
    tampered = data.replace("chuyển đổi số".encode(), "chuyển đổi xấu".encode())
    store_edoc(offices.recipient.agency, "tampered", tampered)
    doc = IncomingDocument.objects.get(hub_message_id="tampered")
    assert doc.verdict["edxml"]["ok"] is False
    assert doc.verdict["edxml"]["code"] == "signature-invalid"
    ok, sentence = edxml_sentence(doc.verdict["edxml"])
    assert not ok and "không hợp lệ" in sentence


def test_registering_takes_the_next_arrival_number_and_owes_status_03(offices: Any) -> None:
    first = services.register_incoming(arrive(offices, number="1"), offices.recipient.clerk)
    second = services.register_incoming(arrive(offices, number="2"), offices.recipient.clerk)
    assert (first.arrival_number, second.arrival_number) == (1, 2)
    assert first.arrival_text == "01"
    assert second.state == IncomingState.REGISTERED
    assert codes(second) == ["01", "03"]


def test_a_specialist_cannot_register(offices: Any) -> None:
    with pytest.raises(NotAllowed):
        services.register_incoming(arrive(offices), offices.recipient.specialist)


def test_a_user_of_another_agency_cannot_register(offices: Any) -> None:
    with pytest.raises(NotAllowed):
        services.register_incoming(arrive(offices), offices.sender.clerk)


def test_refusing_needs_a_reason_and_owes_status_02(offices: Any) -> None:
    doc = arrive(offices)
    with pytest.raises(InvalidInput):
        services.refuse_incoming(doc, offices.recipient.clerk, "  ")
    refused = services.refuse_incoming(doc, offices.recipient.clerk, "Gửi nhầm cơ quan")
    assert refused.state == IncomingState.REFUSED
    assert refused.notices.last().description == "Gửi nhầm cơ quan"
    assert codes(refused) == ["01", "02"]
    with pytest.raises(WrongState):
        services.register_incoming(refused, offices.recipient.clerk)


def test_the_whole_handling_sends_03_04_05_06(offices: Any) -> None:
    office = offices.recipient
    doc = services.register_incoming(arrive(offices), office.clerk)
    deadline = dt.date.today() + dt.timedelta(days=7)
    doc = services.assign(
        doc,
        office.leader,
        main=office.specialist,
        co=[office.colleague],
        info=[office.head],
        deadline=deadline,
        instruction="Tham mưu văn bản trả lời",
    )
    assert doc.state == IncomingState.ASSIGNED
    assert [u.username for u in doc.handlers("main")] == [office.specialist.username]
    doc = services.record_progress(
        doc, office.colleague, "Đã góp ý", file_name="gop-y.txt", file_data=b"noi dung"
    )
    doc = services.record_progress(doc, office.specialist, "Đang dự thảo")
    assert doc.state == IncomingState.PROCESSING
    doc = services.complete(doc, office.specialist, "Đã trả lời")
    assert doc.state == IncomingState.COMPLETED
    assert codes(doc) == ["01", "03", "04", "05", "06"]
    assert [e.action for e in doc.events.all()] == [
        "arrive",
        "register",
        "assign",
        "progress",
        "progress",
        "complete",
    ]


def test_only_leaders_assign(offices: Any) -> None:
    office = offices.recipient
    doc = services.register_incoming(arrive(offices), office.clerk)
    with pytest.raises(NotAllowed):
        services.assign(doc, office.specialist, main=office.specialist)


def test_a_co_handler_cannot_complete_and_an_outsider_cannot_comment(offices: Any) -> None:
    office = offices.recipient
    doc = services.register_incoming(arrive(offices), office.clerk)
    doc = services.assign(doc, office.leader, main=office.specialist, co=[office.colleague])
    with pytest.raises(NotAllowed):
        services.complete(doc, office.colleague)
    with pytest.raises(NotAllowed):
        services.record_progress(doc, office.archivist, "không được giao")


def test_handlers_must_belong_to_the_agency(offices: Any) -> None:
    doc = services.register_incoming(arrive(offices), offices.recipient.clerk)
    with pytest.raises(InvalidInput):
        services.assign(doc, offices.recipient.leader, main=offices.sender.specialist)


def test_an_overdue_document_is_flagged(offices: Any) -> None:
    office = offices.recipient
    doc = services.register_incoming(arrive(offices), office.clerk)
    doc = services.assign(
        doc, office.leader, main=office.specialist, deadline=dt.date.today() - dt.timedelta(1)
    )
    assert doc.is_overdue


def take_back(offices: Any, doc: Any, message_id: str = "take-back") -> None:
    from lienthong.dms.agencies.services import edxml_key

    status = StatusMessage(
        from_=Organization(SENDER),
        response_for=ResponseFor(organ_id=SENDER, code=doc.code_text, document_id=doc.document_id),
        status_code="13",
        description="Văn bản ban hành nhầm",
    )
    store_status(
        offices.recipient.agency, message_id, sign(build(status), edxml_key(offices.sender.agency))
    )


def test_a_take_back_freezes_the_document_and_keeps_it(offices: Any) -> None:
    office = offices.recipient
    doc = services.register_incoming(arrive(offices), office.clerk)
    take_back(offices, doc)
    doc.refresh_from_db()
    assert doc.frozen and doc.revoke_state == RevokeState.REQUESTED
    assert doc.revoke_reason == "Văn bản ban hành nhầm"
    with pytest.raises(WrongState):
        services.assign(doc, office.leader, main=office.specialist)
    doc = services.answer_revoke(doc, office.clerk, agree=True)
    assert doc.frozen and doc.revoke_state == RevokeState.AGREED
    assert codes(doc) == ["01", "03", "15"]


def test_refusing_a_take_back_needs_a_reason_and_thaws_the_document(offices: Any) -> None:
    office = offices.recipient
    doc = arrive(offices)
    take_back(offices, doc)
    doc.refresh_from_db()
    with pytest.raises(InvalidInput):
        services.answer_revoke(doc, office.clerk, agree=False)
    doc = services.answer_revoke(doc, office.clerk, agree=False, reason="Đã triển khai thực hiện")
    assert not doc.frozen and doc.revoke_state == RevokeState.REFUSED
    assert codes(doc) == ["01", "16"]
    services.register_incoming(doc, office.clerk)


def test_a_status_notice_is_a_signed_edxml_status_about_the_document(offices: Any) -> None:
    from lienthong.dms.incoming.statuses import notice_edxml
    from lienthong.dms.trust import policy
    from lienthong.edxml.dsig import verify

    doc = arrive(offices)
    data = notice_edxml(doc.notices.get())
    verified = verify(data, policy())
    message = verified.parsed.message
    assert isinstance(message, StatusMessage)
    assert message.status_code == "01"
    assert message.from_.organ_id == RECIPIENT
    assert message.response_for.document_id == doc.document_id
    assert notice_edxml(doc.notices.get()) == data  # the same bytes at every attempt
