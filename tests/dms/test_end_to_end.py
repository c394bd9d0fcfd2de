"""Two agencies exchanging through a real hub server: the whole job, as the sender sees it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lienthong.dms import storage
from lienthong.dms.incoming import services as incoming
from lienthong.dms.incoming.models import IncomingDocument, IncomingState, RevokeState
from lienthong.dms.incoming.receive import receive_from_hub
from lienthong.dms.outgoing import services as outgoing
from lienthong.dms.outgoing.models import OutgoingState
from lienthong.edxml import EdocMessage, parse

from .documents import make_pdf
from .pki import RECIPIENT
from .test_outgoing import approved


def issued_and_sent(network: Any) -> Any:
    sender = network.offices.sender
    doc = outgoing.issue(approved(sender), sender.clerk)
    doc.refresh_from_db()
    assert doc.state == OutgoingState.SENT, doc.last_error
    return doc


def received(network: Any) -> IncomingDocument:
    done = receive_from_hub([network.offices.recipient.agency])
    assert done.documents == 1 and not done.errors, done
    return IncomingDocument.objects.get(agency=network.offices.recipient.agency)


def trace_codes(doc: Any) -> list[str]:
    tracked = outgoing.tracking(doc)
    assert not tracked["error"], tracked
    (recipient,) = tracked["recipients"]
    assert recipient["to"] == RECIPIENT
    return [s["status_code"] for s in recipient["statuses"]]


def test_sent_document_is_received_with_both_signatures_valid_and_handled_to_the_end(
    network: Any,
) -> None:
    sent = issued_and_sent(network)
    office = network.offices.recipient
    doc = received(network)
    assert doc.document_id == sent.document_id
    assert doc.code_text == "01/QĐ-UBND"
    assert doc.verdict["edxml"]["ok"], doc.verdict
    (pdf,) = doc.files.all()
    assert pdf.pdf_verdict["valid"], pdf.pdf_verdict
    assert [s["role"] for s in pdf.pdf_verdict["signatures"]] == ["person", "agency"]
    assert doc.signature_ok
    assert trace_codes(sent) == ["01"]

    doc = incoming.register_incoming(doc, office.clerk)
    doc = incoming.assign(
        doc,
        office.leader,
        main=office.specialist,
        deadline=dt.date.today() + dt.timedelta(days=5),
        instruction="Xử lý ngay",
    )
    doc = incoming.record_progress(doc, office.specialist, "Đang xử lý")
    doc = incoming.complete(doc, office.specialist, "Đã xong")
    assert all(n.sent_at for n in doc.notices.all()), [n.last_error for n in doc.notices.all()]
    assert trace_codes(sent) == ["01", "03", "04", "05", "06"]

    pulled = receive_from_hub([network.offices.sender.agency])
    assert pulled.statuses == 5
    assert [s.code for s in sent.statuses.all()] == ["01", "03", "04", "05", "06"]


def test_a_delivery_pulled_twice_is_stored_once(network: Any) -> None:
    issued_and_sent(network)
    received(network)
    again = receive_from_hub([network.offices.recipient.agency])
    assert again.documents == 0 and not again.errors
    assert IncomingDocument.objects.count() == 1


def test_a_refusal_reaches_the_sender_with_its_reason(network: Any) -> None:
    sent = issued_and_sent(network)
    doc = received(network)
    incoming.refuse_incoming(doc, network.offices.recipient.clerk, "Không thuộc thẩm quyền")
    tracked = outgoing.tracking(sent)
    statuses = tracked["recipients"][0]["statuses"]
    assert [s["status_code"] for s in statuses] == ["01", "02"]
    assert statuses[-1]["description"] == "Không thuộc thẩm quyền"


def test_a_revoked_document_is_frozen_at_the_recipient_who_agrees(network: Any) -> None:
    sender = network.offices.sender
    sent = issued_and_sent(network)
    doc = received(network)
    revoked = outgoing.revoke(sent, sender.clerk, "Ban hành nhầm")
    assert revoked.state == OutgoingState.REVOKED
    done = receive_from_hub([network.offices.recipient.agency])
    assert done.take_backs == 1, done
    doc.refresh_from_db()
    assert doc.frozen and doc.revoke_state == RevokeState.REQUESTED
    assert doc.state == IncomingState.ARRIVED
    incoming.answer_revoke(doc, network.offices.recipient.clerk, agree=True)
    assert trace_codes(sent) == ["01", "15"]


def test_a_reply_names_the_document_it_answers_and_completes_it(network: Any) -> None:
    sent = issued_and_sent(network)
    office = network.offices.recipient
    doc = incoming.register_incoming(received(network), office.clerk)
    doc = incoming.assign(doc, office.leader, main=office.specialist)
    reply = outgoing.create_draft(
        office.specialist,
        subject="V/v trả lời",
        pdf_name="tra-loi.pdf",
        pdf_data=make_pdf("CÔNG VĂN trả lời"),
        recipients=[{"code": doc.sender_code, "name": doc.sender_name}],
        answers=doc,
    )
    reply = outgoing.submit_for_approval(reply, office.specialist)
    reply = outgoing.approve_and_sign(reply, office.leader, office.p12_password)
    reply = outgoing.issue(reply, office.clerk)
    reply.refresh_from_db()
    assert reply.state == OutgoingState.SENT, reply.last_error
    doc = incoming.complete(doc, office.specialist, "Đã trả lời", answered_by=reply)
    assert trace_codes(sent) == ["01", "03", "04", "06"]

    done = receive_from_hub([network.offices.sender.agency])
    assert done.documents == 1, done
    answer = IncomingDocument.objects.get(agency=network.offices.sender.agency)
    message = parse(storage.get(answer.payload_sha256)).message
    assert isinstance(message, EdocMessage)
    assert [r.document_id for r in message.response_for] == [sent.document_id]


def test_a_replacement_reaches_the_recipient_linked_to_the_document_it_replaces(
    network: Any,
) -> None:
    sender = network.offices.sender
    sent = issued_and_sent(network)
    original = received(network)
    new = outgoing.create_draft(
        sender.specialist,
        subject=sent.subject + " (thay thế)",
        type_name="Quyết định",
        pdf_name="quyet-dinh-thay-the.pdf",
        pdf_data=make_pdf("QUYẾT ĐỊNH thay thế"),
        recipients=sent.recipients,
        replaces=sent,
        replace_reason="Sai nội dung điều 2",
    )
    new = outgoing.submit_for_approval(new, sender.specialist)
    new = outgoing.approve_and_sign(new, sender.leader, sender.p12_password)
    new = outgoing.issue(new, sender.clerk)
    new.refresh_from_db()
    assert new.state == OutgoingState.SENT, new.last_error
    assert new.code_text == "02/QĐ-UBND"

    done = receive_from_hub([network.offices.recipient.agency])
    assert done.documents == 1, done
    replacement = IncomingDocument.objects.exclude(pk=original.pk).get(
        agency=network.offices.recipient.agency
    )
    assert replacement.follows == original
    assert replacement.business_type == 3

    # The replacement is a document of its own: its recipient reports on it, and the sender
    # sees that on the replacement's tracking, and may take it back.
    incoming.register_incoming(replacement, network.offices.recipient.clerk)
    pulled = receive_from_hub([sender.agency])
    assert not pulled.errors, pulled
    assert [s.code for s in new.statuses.all()] == ["01", "03"]
    assert trace_codes(new) == ["01", "03"]
    taken_back = outgoing.revoke(new, sender.clerk, "Thu hồi văn bản thay thế")
    assert taken_back.state == OutgoingState.REVOKED, taken_back.last_error
    receive_from_hub([network.offices.recipient.agency])
    replacement.refresh_from_db()
    assert replacement.frozen and replacement.revoke_state == RevokeState.REQUESTED
