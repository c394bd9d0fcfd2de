"""Every document verb of VXP, and interoperation with /api/v1 both ways: whichever door a
document comes in by, it leaves by either."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from typing import Any

from lienthong.edxml import Organization, StatusCode, build, parse
from lienthong.edxml.compose import new_status
from lienthong.edxml.signing_key import SigningKey

from ..conftest import GOV_OFFICE, HA_NOI, NGHE_AN, document
from .conftest import Parties
from .sdk import Sdk, unpadded_hex


def _ok(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["status"] == "OK", answer
    assert answer["ErrorCode"] == "0", answer
    return answer


def _status(data: bytes, reporter: str, code: StatusCode = StatusCode.ACCEPTED) -> bytes:
    original = parse(data).message
    return build(new_status(reporter=Organization(reporter), about=original, code=code))  # type: ignore[arg-type]


def test_a_document_sent_by_vxp_reaches_the_recipients_over_api_v1(
    parties: Parties, agency_key: SigningKey
) -> None:
    data = document(agency_key)
    doc_id = _ok(parties.sender.sdk().send_edoc(data, GOV_OFFICE))["DocId"]

    items = parties.receiver.api.get("/api/v1/inbox").json()["items"]
    assert sorted(i["to"] for i in items) == [HA_NOI, NGHE_AN]
    assert {i["message_id"] for i in items} == {doc_id}
    fetched = parties.receiver.api.get(f"/api/v1/messages/{doc_id}")
    assert b"".join(fetched.streaming_content) == data


def test_a_document_sent_over_api_v1_is_listed_fetched_and_acknowledged_by_vxp(
    parties: Parties, agency_key: SigningKey
) -> None:
    data = document(agency_key)
    message_id = parties.sender.api.submit(data).json()["id"]
    sdk = parties.receiver.sdk()

    listed = _ok(sdk.received_list())["data"]
    assert sorted(e["to"] for e in listed) == [HA_NOI, NGHE_AN]
    for entry in listed:
        assert (entry["from"], entry["serviceType"], entry["messageType"]) == (
            GOV_OFFICE,
            "eDoc",
            "edoc",
        )
        assert {"docId", "created_time", "updated_time", "status", "status_desc"} <= set(entry)
        assert base64.b64decode(_ok(sdk.get_edoc(entry["docId"]))["data"]) == data
        assert base64.b64decode(_ok(sdk.download_edoc(entry["docId"]))["data"]) == data
        _ok(sdk.update_status(entry["docId"], "done"))

    assert _ok(sdk.received_list())["data"] == []
    assert parties.receiver.api.get("/api/v1/inbox").json()["items"] == []
    trace = parties.sender.api.get(f"/api/v1/messages/{message_id}/trace").json()
    assert {r["state"] for r in trace["recipients"]} == {"delivered"}


def test_listing_again_before_answering_shows_the_same_documents(
    parties: Parties, agency_key: SigningKey
) -> None:
    parties.sender.api.submit(document(agency_key))
    first = _ok(parties.receiver.sdk().received_list())["data"]
    # The client crashed after listing; a new client object lists again.
    again = _ok(parties.receiver.sdk().received_list())["data"]
    assert len(first) == 2
    assert [e["docId"] for e in again] == [e["docId"] for e in first]


def test_an_unanswered_listing_comes_back_once_its_lease_expires(
    parties: Parties, agency_key: SigningKey, settings: Any
) -> None:
    settings.LIENTHONG = dataclasses.replace(settings.LIENTHONG, lease_seconds=-1)
    parties.sender.api.submit(document(agency_key))
    first = _ok(parties.receiver.sdk().received_list())["data"]
    items = parties.receiver.api.get("/api/v1/inbox").json()["items"]
    assert {i["delivery_id"] for i in items} == {e["docId"] for e in first}


def test_update_status_processing_keeps_the_document_waiting_and_fail_refuses_it(
    parties: Parties, agency_key: SigningKey
) -> None:
    message_id = parties.sender.api.submit(document(agency_key)).json()["id"]
    sdk = parties.receiver.sdk()
    nghe_an, ha_noi = sorted(_ok(sdk.received_list())["data"], key=lambda e: e["to"] != NGHE_AN)
    _ok(sdk.update_status(nghe_an["docId"], "processing"))
    _ok(sdk.update_status(ha_noi["docId"], "fail"))

    assert [e["docId"] for e in _ok(sdk.received_list())["data"]] == [nghe_an["docId"]]
    trace = parties.sender.api.get(f"/api/v1/messages/{message_id}/trace").json()
    assert {r["to"]: r["state"] for r in trace["recipients"]} == {
        NGHE_AN: "leased",
        HA_NOI: "failed",
    }


def test_counts_are_what_waits_unanswered(parties: Parties, agency_key: SigningKey) -> None:
    sdk = parties.receiver.sdk()
    assert _ok(sdk.count_edoc())["count"] == 0
    parties.sender.api.submit(document(agency_key))
    assert _ok(sdk.count_edoc())["count"] == 2
    assert _ok(sdk.count_status())["count"] == 0
    listed = _ok(sdk.received_list())["data"]
    assert _ok(sdk.count_edoc())["count"] == 2  # listed but not answered: still waiting
    _ok(sdk.update_status(listed[0]["docId"], "done"))
    assert _ok(sdk.count_edoc())["count"] == 1


def test_a_status_sent_by_vxp_reaches_the_sender_by_vxp_and_api_v1(
    parties: Parties, agency_key: SigningKey
) -> None:
    data = document(agency_key)
    parties.sender.api.submit(data)
    receiver = parties.receiver.sdk()
    for entry in _ok(receiver.received_list())["data"]:
        _ok(receiver.update_status(entry["docId"], "done"))
    status = _status(data, NGHE_AN)
    _ok(receiver.send_edoc(status, NGHE_AN, messagetype="status"))

    sender = parties.sender.sdk()
    assert _ok(sender.count_status())["count"] == 1
    assert _ok(sender.received_list("edoc"))["data"] == []
    (entry,) = _ok(sender.received_list("status"))["data"]
    assert (entry["from"], entry["to"], entry["messageType"]) == (NGHE_AN, GOV_OFFICE, "status")
    assert base64.b64decode(_ok(sender.get_edoc(entry["docId"]))["data"]) == status
    # Listed by VXP, the delivery is leased to the system: the API does not hand it out twice.
    assert parties.sender.api.get("/api/v1/inbox?kind=status").json()["items"] == []
    _ok(sender.update_status(entry["docId"], "done"))
    assert _ok(sender.count_status())["count"] == 0


def test_a_status_sent_over_api_v1_is_received_by_vxp(
    parties: Parties, agency_key: SigningKey
) -> None:
    data = document(agency_key)
    doc_id = _ok(parties.sender.sdk().send_edoc(data, GOV_OFFICE))["DocId"]
    for item in parties.receiver.api.get("/api/v1/inbox").json()["items"]:
        parties.receiver.api.post_json(
            f"/api/v1/inbox/{item['delivery_id']}/ack", {"result": "done"}
        )
    status = _status(data, HA_NOI, StatusCode.FINISHED)
    assert parties.receiver.api.submit(status).status_code == 201

    sender = parties.sender.sdk()
    (entry,) = _ok(sender.received_list("status"))["data"]
    assert base64.b64decode(_ok(sender.get_edoc(entry["docId"]))["data"]) == status
    _ok(sender.update_status(entry["docId"], "done"))
    assert _ok(sender.count_status())["count"] == 0
    assert {d["toCode"]: d["receiveStatus"] for d in _ok(sender.sent_list(doc_id))["data"]} == {
        NGHE_AN: "",
        HA_NOI: "06",
    }


def test_the_sent_list_follows_each_recipient(parties: Parties, agency_key: SigningKey) -> None:
    data = document(agency_key, number="77")
    sender = parties.sender.sdk()
    doc_id = _ok(sender.send_edoc(data, GOV_OFFICE))["DocId"]

    before = _ok(sender.sent_list(doc_id))["data"]
    assert [(d["toCode"], d["sendStatus"], d["receivedTime"]) for d in before] == [
        (code, "pending", None) for code in (HA_NOI, NGHE_AN)
    ]
    assert {d["notation"] for d in before} == {"77/VPCP-TTĐT"}
    assert {d["senderDocId"] for d in before} == {doc_id}
    assert {d["fromCode"] for d in before} == {GOV_OFFICE}
    assert {d["title"] for d in before} == {"Về việc triển khai văn bản điện tử"}

    receiver = parties.receiver.sdk()
    for entry in _ok(receiver.received_list())["data"]:
        _ok(receiver.update_status(entry["docId"], "done" if entry["to"] == NGHE_AN else "fail"))
    _ok(receiver.send_edoc(_status(data, NGHE_AN), NGHE_AN, messagetype="status"))

    after = {d["toCode"]: d for d in _ok(sender.sent_list(doc_id))["data"]}
    assert (after[NGHE_AN]["sendStatus"], after[HA_NOI]["sendStatus"]) == ("done", "fail")
    assert after[NGHE_AN]["receivedTime"] is not None
    assert (after[NGHE_AN]["receiveStatus"], after[NGHE_AN]["receiveStatusDesc"]) == (
        "03",
        "Đã tiếp nhận",
    )
    assert {d["receiverDocId"] for d in after.values()} == {e["receiverDocId"] for e in before}


def test_sending_the_same_bytes_again_answers_the_same_doc_id(
    parties: Parties, agency_key: SigningKey
) -> None:
    data = document(agency_key)
    sdk = parties.sender.sdk()
    first = _ok(sdk.send_edoc(data, GOV_OFFICE))["DocId"]
    assert _ok(sdk.send_edoc(data, GOV_OFFICE))["DocId"] == first


def _with_short_byte(key: SigningKey) -> bytes:
    """A document whose SHA-256 has a byte below 0x10, so the SDK's hex is shorter than 64."""
    for number in range(100, 200):
        data = document(key, number=str(number))
        if len(unpadded_hex(data)) < 64:
            return data
    raise AssertionError("no digest with a byte below 0x10 in 100 tries")


def test_the_unpadded_hash_file_of_the_sdk_is_accepted(
    parties: Parties, agency_key: SigningKey
) -> None:
    data = _with_short_byte(agency_key)
    assert _ok(parties.sender.sdk().send_edoc(data, GOV_OFFICE))["DocId"]


def test_the_normal_64_digit_hash_file_is_accepted(
    parties: Parties, agency_key: SigningKey
) -> None:
    data = _with_short_byte(agency_key)
    padded = hashlib.sha256(data).hexdigest().upper()
    assert _ok(parties.sender.sdk().send_edoc(data, GOV_OFFICE, hash_file=padded))["DocId"]


def _round(sdk: Sdk, parties: Parties, key: SigningKey, number: str) -> None:
    """One document in, one out, on the same client object: its headers pile up."""
    sender = parties.sender.sdk()
    _ok(sender.send_edoc(document(key, number=number), GOV_OFFICE))
    _ok(sender.agencies())  # carries from, hash-file, messagetype… left from sendEdoc
    for entry in _ok(sdk.received_list())["data"]:
        _ok(sdk.get_edoc(entry["docId"]))
        _ok(sdk.count_edoc())  # carries docId and filePath left from getEdoc
        _ok(sdk.update_status(entry["docId"], "done"))
    _ok(sdk.received_list("status"))  # carries docId and status left from updateStatus


def test_headers_left_over_from_earlier_calls_are_ignored(
    parties: Parties, agency_key: SigningKey
) -> None:
    sdk = parties.receiver.sdk()
    _round(sdk, parties, agency_key, "201")
    assert {"docId", "status", "filePath", "messagetype"} <= set(sdk.kept)
    _round(sdk, parties, agency_key, "202")
    assert _ok(sdk.count_edoc())["count"] == 0


def test_left_over_headers_that_were_not_signed_are_ignored_too(
    parties: Parties, agency_key: SigningKey
) -> None:
    sdk = parties.receiver.sdk(sign_kept=False)
    _round(sdk, parties, agency_key, "301")
    _round(sdk, parties, agency_key, "302")
    assert _ok(sdk.count_edoc())["count"] == 0


def test_a_trailing_slash_after_the_verb_is_accepted(parties: Parties) -> None:
    sdk = parties.sender.sdk()
    answer = sdk.call("countReceiveEdoc/", method="GET")
    assert (answer["status"], answer["count"]) == ("OK", 0)
