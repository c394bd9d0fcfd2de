"""Revoke, update and replace go only from the original sender, linked to the original, to the
agencies concerned; statistics count what was sent and received."""

from __future__ import annotations

from dataclasses import replace

from lienthong.edxml import (
    Business,
    BusinessDocumentInfo,
    EdocMessage,
    Organization,
    Receiver,
    ReplacementInfo,
    build,
    parse,
)
from lienthong.edxml.compose import new_status
from lienthong.edxml.dsig import sign
from lienthong.edxml.model import StatusCode
from lienthong.edxml.signing_key import SigningKey
from lienthong.hub.exchange.models import Message

from .conftest import GOV_OFFICE, HA_NOI, HUE, NGHE_AN, Network, document


def _follow_up(original: bytes, business: Business, key: SigningKey, to: tuple[str, ...]) -> bytes:
    message = parse(original).message
    assert isinstance(message, EdocMessage)
    changed = replace(message, business=business, to=tuple(Organization(code) for code in to))
    return sign(build(changed), key)


def _document_id(data: bytes) -> str:
    message = parse(data).message
    assert isinstance(message, EdocMessage)
    return message.document_id


def test_a_revocation_reaches_the_original_recipients_linked_to_the_original(
    network: Network, agency_key: SigningKey
) -> None:
    original = document(agency_key)
    first = network.sender.submit(original).json()["id"]
    revoke = Business(
        business_doc_type="1", document_id=_document_id(original), business_doc_reason="Sai sót"
    )
    response = network.sender.submit(_follow_up(original, revoke, agency_key, (NGHE_AN, HA_NOI)))
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["recipients"]) == [HA_NOI, NGHE_AN]
    revocation = Message.objects.get(pk=response.json()["id"])
    assert str(revocation.related_id) == first
    assert revocation.business_type == 1


def test_only_the_original_sender_may_revoke(network: Network, agency_key: SigningKey) -> None:
    original = document(agency_key)
    network.sender.submit(original)
    foreign = document(agency_key, sender=NGHE_AN, to=(HA_NOI,), number="99")
    revoke = Business(
        business_doc_type="1", document_id=_document_id(original), business_doc_reason="x"
    )
    response = network.receiver.submit(_follow_up(foreign, revoke, agency_key, (HA_NOI,)))
    assert response.status_code == 403
    assert response.json()["code"] == "not-original-sender"


def test_revoking_a_document_never_sent_is_refused(
    network: Network, agency_key: SigningKey
) -> None:
    original = document(agency_key, number="404")
    revoke = Business(
        business_doc_type="1", document_id=_document_id(original), business_doc_reason="x"
    )
    response = network.sender.submit(_follow_up(original, revoke, agency_key, (NGHE_AN,)))
    assert response.status_code == 422
    assert response.json()["code"] == "document-unknown"


def test_an_update_of_recipients_goes_to_the_receiver_list(
    network: Network, agency_key: SigningKey
) -> None:
    original = document(agency_key, to=(NGHE_AN,))
    network.sender.submit(original)
    update = Business(
        business_doc_type="2",
        document_id=_document_id(original),
        business_doc_reason="Bổ sung nơi nhận",
        document_info=BusinessDocumentInfo("0", "1", (Receiver(HUE, "1"),)),
    )
    response = network.sender.submit(_follow_up(original, update, agency_key, (NGHE_AN, HUE)))
    assert response.status_code == 201, response.json()
    assert response.json()["recipients"] == [HUE]
    assert [i["to"] for i in network.outsider.get("/api/v1/inbox").json()["items"]] == [HUE]


def test_a_replacement_goes_to_the_agencies_it_names(
    network: Network, agency_key: SigningKey
) -> None:
    original = document(agency_key)
    network.sender.submit(original)
    replacement = Business(
        business_doc_type="3",
        document_id=_document_id(original),
        business_doc_reason="Thay thế do sai nội dung",
        replacements=(ReplacementInfo(_document_id(original), (NGHE_AN,)),),
    )
    data = _follow_up(original, replacement, agency_key, (NGHE_AN,))
    response = network.sender.submit(data)
    assert response.status_code == 201, response.json()
    assert response.json()["recipients"] == [NGHE_AN]


def test_a_replacement_with_its_own_number_is_reported_on_and_taken_back_like_any_document(
    network: Network, agency_key: SigningKey
) -> None:
    original = document(agency_key, to=(NGHE_AN,))
    network.sender.submit(original)
    own = document(agency_key, to=(NGHE_AN,), number="16")  # a new number, a new DocumentId
    business = Business(
        business_doc_type="3",
        document_id=_document_id(own),
        business_doc_reason="Thay thế do sai nội dung",
        replacements=(ReplacementInfo(_document_id(original), (NGHE_AN,)),),
    )
    replacement = _follow_up(own, business, agency_key, (NGHE_AN,))
    sent = network.sender.submit(replacement)
    assert sent.status_code == 201, sent.json()
    about = parse(replacement).message
    accepted = new_status(reporter=Organization(NGHE_AN), about=about, code=StatusCode.ACCEPTED)  # type: ignore[arg-type]
    response = network.receiver.submit(build(accepted))
    assert response.status_code == 201, response.json()
    assert response.json()["recipients"] == [GOV_OFFICE]
    take_back = new_status(
        reporter=Organization(GOV_OFFICE), about=about, code=StatusCode.TAKE_BACK
    )  # type: ignore[arg-type]
    response = network.sender.submit(build(take_back))
    assert response.status_code == 201, response.json()
    assert response.json()["recipients"] == [NGHE_AN]


def test_statistics_count_sent_and_received_documents(
    network: Network, agency_key: SigningKey
) -> None:
    network.sender.submit(document(agency_key, number="1"))
    network.sender.submit(document(agency_key, number="2", to=(NGHE_AN,)))
    for item in network.receiver.get("/api/v1/inbox").json()["items"]:
        network.receiver.post_json(f"/api/v1/inbox/{item['delivery_id']}/ack", {"result": "done"})
    sent = network.sender.get("/api/v1/stats?group=agency").json()["items"]
    assert sent == [{"agency": GOV_OFFICE, "sent": 2, "received": 0}]
    received = network.receiver.get("/api/v1/stats?group=agency").json()["items"]
    assert received == [
        {"agency": HA_NOI, "sent": 0, "received": 1},
        {"agency": NGHE_AN, "sent": 0, "received": 2},
    ]
    by_month = network.receiver.get("/api/v1/stats?group=month").json()["items"]
    assert [(row["sent"], row["received"]) for row in by_month] == [(0, 3)]
