"""The hub's exchange over its HTTP API: submit, lease, fetch, acknowledge, trace."""

from __future__ import annotations

import hashlib
from pathlib import Path

from lienthong.edxml import Organization, build, parse
from lienthong.edxml.compose import new_status
from lienthong.edxml.model import StatusCode
from lienthong.edxml.signing_key import SigningKey
from lienthong.hub.audit.models import AuditEntry
from lienthong.hub.audit.services import verify_chain
from lienthong.hub.exchange.receipts import verify_receipt
from lienthong.hub.registry import services as registry
from lienthong.hub.registry.trust import forget_policy

from ..edxml.pki import Pki, make_pki
from .conftest import GOV_OFFICE, HA_NOI, HUE, NGHE_AN, Network, document


def test_a_signed_document_is_accepted_with_a_signed_receipt(
    network: Network, agency_key: SigningKey, settings: object
) -> None:
    data = document(agency_key)
    response = network.sender.submit(data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["recipients"] == [NGHE_AN, HA_NOI]
    assert body["receipt"]["data"]["sha256"] == hashlib.sha256(data).hexdigest()
    from lienthong.hub.exchange.receipts import hub_identity

    identity = hub_identity(settings.LIENTHONG.data_dir / "hub")  # type: ignore[attr-defined]
    assert verify_receipt(body["receipt"], identity.certificate)


def test_the_same_submission_again_gets_the_first_receipt(
    network: Network, agency_key: SigningKey
) -> None:
    data = document(agency_key)
    first = network.sender.submit(data)
    again = network.sender.submit(data)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_other_content_under_the_same_document_id_is_a_conflict(
    network: Network, agency_key: SigningKey
) -> None:
    assert network.sender.submit(document(agency_key)).status_code == 201
    response = network.sender.submit(document(agency_key, subject="Nội dung khác"))
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate-conflict"
    assert response["Content-Type"] == "application/problem+json"


def test_recipients_lease_fetch_and_acknowledge(network: Network, agency_key: SigningKey) -> None:
    data = document(agency_key)
    message_id = network.sender.submit(data).json()["id"]
    items = network.receiver.get("/api/v1/inbox?kind=edoc").json()["items"]
    assert sorted(i["to"] for i in items) == [HA_NOI, NGHE_AN]
    assert {i["message_id"] for i in items} == {message_id}
    fetched = network.receiver.get(f"/api/v1/messages/{message_id}")
    assert b"".join(fetched.streaming_content) == data
    for item in items:
        done = network.receiver.post_json(
            f"/api/v1/inbox/{item['delivery_id']}/ack", {"result": "done"}
        )
        assert done.json()["state"] == "delivered"
    assert network.receiver.get("/api/v1/inbox").json()["items"] == []


def test_a_leased_delivery_is_not_handed_out_twice(
    network: Network, agency_key: SigningKey
) -> None:
    network.sender.submit(document(agency_key))
    assert len(network.receiver.get("/api/v1/inbox").json()["items"]) == 2
    assert network.receiver.get("/api/v1/inbox").json()["items"] == []


def test_an_unacknowledged_lease_comes_back_after_it_expires(
    network: Network, agency_key: SigningKey, settings: object
) -> None:
    import dataclasses

    settings.LIENTHONG = dataclasses.replace(settings.LIENTHONG, lease_seconds=-1)  # type: ignore[attr-defined]
    network.sender.submit(document(agency_key))
    first = network.receiver.get("/api/v1/inbox").json()["items"]
    again = network.receiver.get("/api/v1/inbox").json()["items"]
    assert {i["delivery_id"] for i in again} == {i["delivery_id"] for i in first}


def test_a_status_goes_back_to_the_sender_and_shows_in_the_trace(
    network: Network, agency_key: SigningKey
) -> None:
    data = document(agency_key)
    message_id = network.sender.submit(data).json()["id"]
    for item in network.receiver.get("/api/v1/inbox").json()["items"]:
        network.receiver.post_json(f"/api/v1/inbox/{item['delivery_id']}/ack", {"result": "done"})
    original = parse(data).message
    status = new_status(reporter=Organization(NGHE_AN), about=original, code=StatusCode.ACCEPTED)  # type: ignore[arg-type]
    response = network.receiver.submit(build(status))
    assert response.status_code == 201, response.json()
    assert response.json()["recipients"] == [GOV_OFFICE]
    statuses = network.sender.get("/api/v1/inbox?kind=status").json()["items"]
    assert [s["from"] for s in statuses] == [NGHE_AN]
    trace = network.sender.get(f"/api/v1/messages/{message_id}/trace").json()
    states = {
        r["to"]: (r["state"], [s["status_code"] for s in r["statuses"]])
        for r in trace["recipients"]
    }
    assert states == {NGHE_AN: ("delivered", ["03"]), HA_NOI: ("delivered", [])}


def test_every_change_is_in_an_intact_audit_chain(network: Network, agency_key: SigningKey) -> None:
    network.sender.submit(document(agency_key))
    report = verify_chain()
    assert report.ok and report.entries >= 8  # agencies, anchor, systems, the message


# --- refusals ----------------------------------------------------------------------------------


def test_no_token_is_401_problem(network: Network) -> None:
    from django.test import Client

    response = Client().get("/api/v1/inbox")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_a_system_cannot_send_for_an_agency_it_does_not_hold(
    network: Network, agency_key: SigningKey
) -> None:
    response = network.outsider.submit(document(agency_key))
    assert response.status_code == 403
    assert response.json()["code"] == "sender-not-allowed"


def test_an_unregistered_recipient_is_refused(network: Network, agency_key: SigningKey) -> None:
    response = network.sender.submit(document(agency_key, to=("000.00.00.H99",)))
    assert response.status_code == 422
    assert response.json()["code"] == "recipient-unknown"


def test_a_field_longer_than_the_hub_keeps_is_refused_and_named(
    network: Network, agency_key: SigningKey
) -> None:
    response = network.sender.submit(document(agency_key, number="1" * 31))
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "edxml-invalid"
    assert "Code/CodeNumber: 31 characters; this hub keeps at most 30" in problem["detail"]


def test_an_unsigned_document_is_refused(network: Network) -> None:
    from lienthong.edxml.compose import new_edoc
    from lienthong.edxml.model import Code

    message = new_edoc(
        sender=Organization(GOV_OFFICE),
        recipients=[Organization(NGHE_AN)],
        subject="x",
        code=Code("1", "A"),
    )
    response = network.sender.submit(build(message))
    assert response.status_code == 422
    assert response.json()["code"] == "signature-missing"


def test_garbage_is_a_400_problem_not_a_500(network: Network) -> None:
    response = network.sender.submit(b"<edXML><unclosed>")
    assert response.status_code == 400
    assert response.json()["code"] == "edxml-malformed"


def test_an_outsider_cannot_fetch_or_trace_or_ack(network: Network, agency_key: SigningKey) -> None:
    message_id = network.sender.submit(document(agency_key)).json()["id"]
    delivery_id = network.receiver.get("/api/v1/inbox").json()["items"][0]["delivery_id"]
    assert network.outsider.get(f"/api/v1/messages/{message_id}").status_code == 404
    assert network.outsider.get(f"/api/v1/messages/{message_id}/trace").status_code == 404
    assert network.receiver.get(f"/api/v1/messages/{message_id}/trace").status_code == 404
    ack = network.outsider.post_json(f"/api/v1/inbox/{delivery_id}/ack", {"result": "done"})
    assert ack.status_code == 404
    assert network.outsider.get("/api/v1/inbox").json()["items"] == []


def test_a_status_from_an_agency_that_never_received_the_document_is_refused(
    network: Network, agency_key: SigningKey
) -> None:
    data = document(agency_key, to=(NGHE_AN,))
    network.sender.submit(data)
    status = new_status(
        reporter=Organization(HUE), about=parse(data).message, code=StatusCode.ACCEPTED
    )  # type: ignore[arg-type]
    response = network.outsider.submit(build(status))
    assert response.status_code == 403


def test_a_delivery_never_acknowledged_goes_dead_after_the_lease_limit(
    network: Network, agency_key: SigningKey, settings: object
) -> None:
    import dataclasses

    settings.LIENTHONG = dataclasses.replace(  # type: ignore[attr-defined]
        settings.LIENTHONG,  # type: ignore[attr-defined]
        lease_seconds=-1,
        max_leases=2,
    )
    message_id = network.sender.submit(document(agency_key, to=(NGHE_AN,))).json()["id"]
    assert len(network.receiver.get("/api/v1/inbox").json()["items"]) == 1
    assert len(network.receiver.get("/api/v1/inbox").json()["items"]) == 1
    assert network.receiver.get("/api/v1/inbox").json()["items"] == []
    trace = network.sender.get(f"/api/v1/messages/{message_id}/trace").json()
    assert trace["recipients"][0]["state"] == "dead"


def test_signatures_under_a_removed_trust_anchor_no_longer_pass(
    network: Network, agency_key: SigningKey, pki: Pki, tmp_path: Path
) -> None:
    other = make_pki(tmp_path / "other", organization="Another CA")
    registry.add_trust_anchor(other.root_pem_path.read_bytes())
    assert network.sender.submit(document(agency_key, number="1")).status_code == 201

    (anchor,) = registry.add_trust_anchor(pki.root_pem_path.read_bytes())  # already there
    removed = registry.remove_trust_anchor(anchor.fingerprint[:12])
    assert removed.fingerprint == anchor.fingerprint
    forget_policy()  # the server re-reads anchors within seconds; the test does not wait

    response = network.sender.submit(document(agency_key, number="2"))
    assert response.status_code == 422
    assert response.json()["code"] == "signature-untrusted"
    assert AuditEntry.objects.filter(action="trust.removed", subject=anchor.fingerprint).exists()
