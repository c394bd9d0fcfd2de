"""Updating a sent document (BussinessDocType 2), answering an update (15/16), and what the
sender may still do with a document its recipients refused.

Most tests hand the signed messages over directly, as the worker would store them (no hub);
``handed_over`` marks a document as the hub's acceptance would (``send`` itself is covered by
the end-to-end tests, one of which is the last test here).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lienthong.dms import storage
from lienthong.dms.errors import InvalidInput, NotAllowed, WrongState
from lienthong.dms.incoming import services as incoming
from lienthong.dms.incoming.models import IncomingDocument, RevokeState, StatusNotice
from lienthong.dms.incoming.receive import receive_from_hub, store_edoc, store_status
from lienthong.dms.incoming.statuses import notice_edxml
from lienthong.dms.outgoing import services
from lienthong.dms.outgoing.models import OutgoingDocument, OutgoingState
from lienthong.dms.registers.books import outgoing_register
from lienthong.dms.reports.services import agency_report
from lienthong.edxml import EdocMessage, parse
from lienthong.edxml.model import BusinessDocumentInfo, Receiver

from .documents import make_pdf
from .pki import RECIPIENT, RECIPIENT_NAME
from .support import PASSWORD
from .test_incoming import take_back
from .test_outgoing import approved

OTHER = "000.00.00.G22"  # an agency code that is not one of the two offices


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def handed_over(doc: OutgoingDocument) -> OutgoingDocument:
    OutgoingDocument.objects.filter(pk=doc.pk).update(state=OutgoingState.SENT)
    doc.refresh_from_db()
    return doc


def sent(office: Any) -> OutgoingDocument:
    return handed_over(services.issue(approved(office), office.clerk))


def update_draft(office: Any, original: OutgoingDocument, **options: Any) -> OutgoingDocument:
    fields: dict[str, Any] = {
        "subject": original.subject,
        "type_name": original.type_name,
        "pdf_name": "quyet-dinh-cap-nhat.pdf",
        "pdf_data": make_pdf("QUYẾT ĐỊNH (bản cập nhật)"),
        "recipients": original.recipients,
        "signer_competence": original.signer_competence,
        "signer_position": original.signer_position,
        "signer_name": original.signer_name,
        "priority": original.priority,
        "updates": original,
        "update_reason": "Sửa lỗi chính tả ở trích yếu",
    }
    fields.update(options)
    return services.create_draft(office.specialist, **fields)


def issued_update(office: Any, original: OutgoingDocument, **options: Any) -> OutgoingDocument:
    doc = services.submit_for_approval(update_draft(office, original, **options), office.specialist)
    doc = services.approve_and_sign(doc, office.leader, office.p12_password)
    return services.issue(doc, office.clerk)


def edoc_of(doc: OutgoingDocument) -> EdocMessage:
    message = parse(storage.get(doc.edxml_sha256)).message
    assert isinstance(message, EdocMessage)
    return message


def delivered(offices: Any, doc: OutgoingDocument, message_id: str) -> IncomingDocument:
    store_edoc(offices.recipient.agency, message_id, storage.get(doc.edxml_sha256))
    return IncomingDocument.objects.get(agency=offices.recipient.agency, hub_message_id=message_id)


def statuses_reach_the_sender(offices: Any, doc: IncomingDocument) -> None:
    for notice in StatusNotice.objects.filter(document=doc).order_by("created_at", "id"):
        store_status(offices.sender.agency, f"status-{notice.pk}", notice_edxml(notice))


# --- what an update carries ------------------------------------------------------------------


def test_an_update_carries_type_2_its_reason_and_that_the_metadata_changed(offices: Any) -> None:
    office = offices.sender
    original = sent(office)
    update = issued_update(office, original, subject="Quyết định phê duyệt kế hoạch (đã sửa)")
    message = edoc_of(update)
    business = message.business
    assert business is not None
    assert business.business_doc_type == "2"
    assert business.business_doc_reason == "Sửa lỗi chính tả ở trích yếu"
    assert business.document_info == BusinessDocumentInfo(document_info="1", document_receiver="0")
    assert message.subject == "Quyết định phê duyệt kế hoạch (đã sửa)"


def test_an_update_keeps_the_number_date_and_documentid_of_the_document_it_updates(
    offices: Any,
) -> None:
    office = offices.sender
    original = sent(office)
    update = issued_update(office, original)
    message, before = edoc_of(update), edoc_of(original)
    assert update.code_text == original.code_text == "01/QĐ-UBND"
    assert message.document_id == update.document_id == original.document_id
    assert message.business is not None and message.business.document_id == original.document_id
    assert message.promulgation_info == before.promulgation_info
    assert message.code == before.code


def test_an_update_takes_no_number_in_the_register(offices: Any) -> None:
    office = offices.sender
    original = sent(office)
    issued_update(office, original)
    assert services.issue(approved(office), office.clerk).code_text == "02/QĐ-UBND"
    assert original.register is not None and original.year is not None
    book = outgoing_register(original.register, original.year)
    assert len(book.rows) == 2


def test_an_update_that_changes_the_recipients_lists_who_is_added_and_who_is_dropped(
    offices: Any,
) -> None:
    office = offices.sender
    original = sent(office)
    update = issued_update(office, original, recipients=[{"code": OTHER, "name": "Văn phòng"}])
    info = edoc_of(update).business.document_info  # type: ignore[union-attr]
    assert info == BusinessDocumentInfo(
        document_info="0",
        document_receiver="1",
        receivers=(Receiver(OTHER, "1"), Receiver(RECIPIENT, "0")),
    )
    assert [t.organ_id for t in edoc_of(update).to] == [OTHER]


def test_an_update_with_only_a_corrected_file_says_nothing_else_changed(offices: Any) -> None:
    office = offices.sender
    original = sent(office)
    info = edoc_of(issued_update(office, original)).business.document_info  # type: ignore[union-attr]
    assert info == BusinessDocumentInfo(document_info="0", document_receiver="0")


# --- who may update what, and when ------------------------------------------------------------


def test_an_update_is_not_counted_again_among_the_documents_issued(offices: Any) -> None:
    office = offices.sender
    issued_update(office, sent(office))
    today = timezone.localdate()
    report = agency_report(office.agency.id, today.replace(day=1), today)
    assert report.outgoing == 1 and sum(month.outgoing for month in report.months) == 1


def test_an_update_needs_its_reason(offices: Any) -> None:
    original = sent(offices.sender)
    with pytest.raises(InvalidInput):
        update_draft(offices.sender, original, update_reason="  ")


def test_an_update_keeps_the_type_of_document(offices: Any) -> None:
    original = sent(offices.sender)
    with pytest.raises(InvalidInput):
        update_draft(offices.sender, original, type_name="Công văn")


def test_a_document_not_yet_sent_cannot_be_updated(offices: Any) -> None:
    office = offices.sender
    issued = services.issue(approved(office), office.clerk)
    with pytest.raises(WrongState):
        update_draft(office, issued)


def test_another_agency_cannot_update_the_document(offices: Any) -> None:
    original = sent(offices.sender)
    with pytest.raises(NotAllowed):
        update_draft(offices.recipient, original)


def test_an_archivist_cannot_draft_an_update(offices: Any) -> None:
    original = sent(offices.sender)
    with pytest.raises(NotAllowed):
        services.create_draft(
            offices.sender.archivist,
            subject=original.subject,
            type_name=original.type_name,
            pdf_name="x.pdf",
            pdf_data=make_pdf(),
            recipients=original.recipients,
            updates=original,
            update_reason="Sửa",
        )


def test_only_a_clerk_issues_an_update(offices: Any) -> None:
    office = offices.sender
    doc = services.submit_for_approval(update_draft(office, sent(office)), office.specialist)
    doc = services.approve_and_sign(doc, office.leader, office.p12_password)
    with pytest.raises(NotAllowed):
        services.issue(doc, office.specialist)


def test_a_second_update_is_refused_once_one_is_issued(offices: Any) -> None:
    office = offices.sender
    original = sent(office)
    second = services.submit_for_approval(update_draft(office, original), office.specialist)
    second = services.approve_and_sign(second, office.leader, office.p12_password)
    issued_update(office, original)
    with pytest.raises(WrongState):
        update_draft(office, original)
    with pytest.raises(WrongState):
        services.issue(second, office.clerk)


def test_an_update_is_not_itself_taken_back_updated_or_replaced(offices: Any) -> None:
    office = offices.sender
    update = handed_over(issued_update(office, sent(office)))
    with pytest.raises(WrongState):
        services.revoke(update, office.clerk, "Nhầm")
    with pytest.raises(WrongState):
        update_draft(office, update)


def test_the_sent_document_s_page_offers_the_update_to_drafters_only(offices: Any) -> None:
    office = offices.sender
    original = sent(office)
    assert 'id="update"' in client_for(office.specialist).get(f"/outgoing/{original.pk}/").text
    assert 'id="update"' not in client_for(office.archivist).get(f"/outgoing/{original.pk}/").text


def test_the_update_form_starts_as_a_copy_and_saves_an_update_draft(offices: Any) -> None:
    office = offices.sender
    original = sent(office)
    client = client_for(office.specialist)
    page = client.get("/outgoing/new/", {"updates": original.pk}).text
    assert "Cập nhật văn bản 01/QĐ-UBND" in page and original.subject in page
    response = client.post(
        "/outgoing/new/",
        {
            "type_name": original.type_name,
            "subject": original.subject,
            "pdf": _upload(),
            "priority": "1",
            "recipients": f"{RECIPIENT} {RECIPIENT_NAME}",
            "updates": str(original.pk),
            "update_reason": "Sửa tệp đính kèm",
        },
    )
    assert response.status_code == 302, response.content.decode()
    update = OutgoingDocument.objects.get(updates=original)
    assert update.update_reason == "Sửa tệp đính kèm" and update.state == OutgoingState.DRAFT


def _upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("cap-nhat.pdf", make_pdf(), content_type="application/pdf")


# --- the recipient's side ----------------------------------------------------------------------


def test_the_recipient_stores_the_update_linked_to_the_document_it_updates(offices: Any) -> None:
    office = offices.sender
    original = sent(office)
    first = delivered(offices, original, "msg-original")
    update = delivered(offices, issued_update(office, original), "msg-update")
    assert update.business_type == 2 and update.follows == first
    page = client_for(offices.recipient.clerk).get(f"/incoming/{update.pk}/").text
    assert "Cập nhật văn bản" in page


def test_the_recipient_refuses_an_update_with_a_reason_and_the_sender_sees_it_on_the_update(
    offices: Any,
) -> None:
    office = offices.sender
    original = sent(office)
    delivered(offices, original, "msg-original")
    update = handed_over(issued_update(office, original))
    received = delivered(offices, update, "msg-update")
    incoming.answer_update(received, offices.recipient.clerk, agree=False, reason="Sai nơi nhận")
    statuses_reach_the_sender(offices, received)
    assert [(s.code, s.description) for s in update.statuses.all()] == [("16", "Sai nơi nhận")]
    assert [s.code for s in original.statuses.all()] == ["01"]  # the update's arrival
    (recipient,) = services.tracking(update)["recipients"]
    assert [s["status_code"] for s in recipient["statuses"]] == ["16"]


def taken_back_with_its_update(offices: Any) -> tuple[IncomingDocument, IncomingDocument]:
    """At the recipient: a document and its update, then the sender takes the document back."""
    original = sent(offices.sender)
    first = delivered(offices, original, "msg-original")
    update = delivered(offices, issued_update(offices.sender, original), "msg-update")
    take_back(offices, first)
    first.refresh_from_db()
    update.refresh_from_db()
    return first, update


def test_taking_a_document_back_freezes_its_update_with_it(offices: Any) -> None:
    first, update = taken_back_with_its_update(offices)
    assert update.frozen and update.revoke_state == RevokeState.NONE
    with pytest.raises(WrongState):
        incoming.register_incoming(update, offices.recipient.clerk)
    page = client_for(offices.recipient.clerk).get(f"/incoming/{update.pk}/").text
    assert "Bên gửi thu hồi văn bản được cập nhật" in page
    incoming.answer_revoke(first, offices.recipient.clerk, agree=True)
    update.refresh_from_db()
    assert update.frozen
    assert [n.code for n in update.notices.all()] == ["01"]  # answered once, on the original


def test_refusing_the_take_back_thaws_the_update_too(offices: Any) -> None:
    first, update = taken_back_with_its_update(offices)
    incoming.answer_revoke(first, offices.recipient.clerk, agree=False, reason="Đã thực hiện")
    update.refresh_from_db()
    assert not update.frozen
    assert [e.action for e in update.events.all()][-2:] == [
        "original-revoke-requested",
        "original-revoke-refused",
    ]
    incoming.register_incoming(update, offices.recipient.clerk)


def test_a_recipient_that_registered_the_document_and_refuses_its_update_still_holds_it(
    offices: Any,
) -> None:
    office = offices.sender
    original = sent(office)
    first = delivered(offices, original, "msg-original")
    incoming.register_incoming(first, offices.recipient.clerk)
    statuses_reach_the_sender(offices, first)
    update = handed_over(issued_update(office, original))
    received = delivered(offices, update, "msg-update")
    incoming.refuse_incoming(received, offices.recipient.clerk, "Bản cập nhật sai tệp")
    statuses_reach_the_sender(offices, received)
    assert [s.code for s in update.statuses.all()] == ["02"]
    assert services.refused_by(original) == set()
    assert services.follow_up_refusal(original, "revoke") == ""


def test_an_update_is_answered_once_and_a_refusal_needs_a_reason(offices: Any) -> None:
    office = offices.sender
    original = sent(office)
    delivered(offices, original, "msg-original")
    received = delivered(offices, issued_update(office, original), "msg-update")
    clerk = offices.recipient.clerk
    with pytest.raises(InvalidInput):
        incoming.answer_update(received, clerk, agree=False)
    incoming.answer_update(received, clerk, agree=True)
    with pytest.raises(WrongState):
        incoming.answer_update(received, clerk, agree=False, reason="Đổi ý")


def test_the_clerk_answers_an_update_from_its_page_once(offices: Any) -> None:
    office = offices.sender
    original = sent(office)
    delivered(offices, original, "msg-original")
    received = delivered(offices, issued_update(office, original), "msg-update")
    clerk = client_for(offices.recipient.clerk)
    page = clerk.get(f"/incoming/{received.pk}/").text
    assert 'id="answer-update"' in page
    refused = clerk.post(f"/incoming/{received.pk}/update-answer/", {"agree": "0"}, follow=True)
    assert "Thông tin chưa đúng" in refused.text  # a refusal without its reason changes nothing
    assert not StatusNotice.objects.filter(document=received, code="16").exists()
    answered = clerk.post(
        f"/incoming/{received.pk}/update-answer/",
        {"agree": "0", "reason": "Tệp đính kèm chưa đúng"},
        follow=True,
    )
    assert "Đã trả lời văn bản cập nhật." in answered.text
    assert "Từ chối cập nhật (16)" in answered.text  # in the history
    assert 'id="answer-update"' not in answered.text
    (notice,) = StatusNotice.objects.filter(document=received, code="16")
    assert notice.description == "Tệp đính kèm chưa đúng"


def test_a_document_that_is_not_an_update_offers_no_update_answer(offices: Any) -> None:
    original = delivered(offices, sent(offices.sender), "msg-original")
    page = client_for(offices.recipient.clerk).get(f"/incoming/{original.pk}/").text
    assert 'id="answer-update"' not in page


def test_only_an_update_can_be_answered_as_one(offices: Any) -> None:
    original = delivered(offices, sent(offices.sender), "msg-original")
    with pytest.raises(WrongState):
        incoming.answer_update(original, offices.recipient.clerk, agree=True)


def test_a_specialist_of_the_recipient_cannot_answer_an_update(offices: Any) -> None:
    office = offices.sender
    original = sent(office)
    delivered(offices, original, "msg-original")
    received = delivered(offices, issued_update(office, original), "msg-update")
    with pytest.raises(NotAllowed):
        incoming.answer_update(received, offices.recipient.specialist, agree=True)


# --- a document its recipients refused --------------------------------------------------------


def refused(offices: Any) -> OutgoingDocument:
    original = sent(offices.sender)
    doc = delivered(offices, original, "msg-original")
    incoming.refuse_incoming(doc, offices.recipient.clerk, "Không thuộc thẩm quyền")
    statuses_reach_the_sender(offices, doc)
    assert [s.code for s in original.statuses.all()] == ["01", "02"]
    return original


def test_a_document_every_recipient_refused_cannot_be_taken_back(offices: Any) -> None:
    original = refused(offices)
    with pytest.raises(WrongState):
        services.revoke(original, offices.sender.clerk, "Ban hành nhầm")


def test_a_document_every_recipient_refused_cannot_be_replaced_or_updated(offices: Any) -> None:
    original = refused(offices)
    with pytest.raises(WrongState):
        update_draft(offices.sender, original)
    with pytest.raises(WrongState):
        update_draft(
            offices.sender,
            original,
            updates=None,
            update_reason="",
            replaces=original,
            replace_reason="Sai nội dung",
        )


def test_the_refused_document_s_page_offers_no_take_back_and_says_why(offices: Any) -> None:
    original = refused(offices)
    page = client_for(offices.sender.clerk).get(f"/outgoing/{original.pk}/").text
    assert 'id="revoke"' not in page and 'id="replace"' not in page and 'id="update"' not in page
    assert 'id="refused-by-all"' in page


def test_a_document_one_recipient_still_holds_can_be_taken_back(offices: Any) -> None:
    office = offices.sender
    original = services.create_draft(
        office.specialist,
        subject="Công văn gửi hai nơi",
        pdf_name="cv.pdf",
        pdf_data=make_pdf(),
        recipients=[{"code": RECIPIENT}, {"code": OTHER}],
    )
    original = services.submit_for_approval(original, office.specialist)
    original = services.approve_and_sign(original, office.leader, office.p12_password)
    original = handed_over(services.issue(original, office.clerk))
    doc = delivered(offices, original, "msg-original")
    incoming.refuse_incoming(doc, offices.recipient.clerk, "Không thuộc thẩm quyền")
    statuses_reach_the_sender(offices, doc)
    assert services.refused_by(original) == {RECIPIENT}
    assert services.follow_up_refusal(original, "revoke") == ""
    assert 'id="revoke"' in client_for(office.clerk).get(f"/outgoing/{original.pk}/").text


# --- through a real hub ------------------------------------------------------------------------


def test_an_update_travels_through_the_hub_to_the_recipient_linked_and_its_answer_comes_back(
    network: Any,
) -> None:
    sender, recipient = network.offices.sender, network.offices.recipient
    original = services.issue(approved(sender), sender.clerk)
    original.refresh_from_db()
    assert original.state == OutgoingState.SENT, original.last_error
    assert receive_from_hub([recipient.agency]).documents == 1
    first = IncomingDocument.objects.get(agency=recipient.agency)

    update = issued_update(sender, original, subject=original.subject + " (cập nhật)")
    update.refresh_from_db()
    assert update.state == OutgoingState.SENT, update.last_error
    assert update.code_text == original.code_text

    assert receive_from_hub([recipient.agency]).documents == 1
    received = IncomingDocument.objects.exclude(pk=first.pk).get(agency=recipient.agency)
    assert received.business_type == 2 and received.follows == first
    assert received.subject.endswith("(cập nhật)")
    incoming.answer_update(received, recipient.clerk, agree=True)

    receive_from_hub([sender.agency])
    assert [s.code for s in update.statuses.all()] == ["15"]
    (tracked,) = services.tracking(update)["recipients"]
    assert tracked["to"] == RECIPIENT and tracked["state"]
    assert [s["status_code"] for s in tracked["statuses"]] == ["15"]
    assert "updated" in [e.action for e in original.events.all()]
