"""What the VXP endpoint refuses: each with ``status: FAIL``, its stable ``ErrorCode`` and a
Vietnamese ``ErrorDesc``, always as JSON with HTTP 200 — never a 500 or a traceback."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import pytest
from django.test import Client

from lienthong.edxml import build
from lienthong.edxml.signing_key import SigningKey
from lienthong.hub.exchange.models import Delivery, Message
from lienthong.hub.registry.models import ConnectedSystem

from ..conftest import GOV_OFFICE, HUE, NGHE_AN, document
from .conftest import Parties
from .sdk import LOCAL, Sdk, django_transport, timestamp


def _refused(answer: dict[str, Any], code: str) -> dict[str, Any]:
    assert answer["status"] == "FAIL", answer
    assert answer["ErrorCode"] == code, answer
    assert answer["ErrorDesc"], answer
    assert "Traceback" not in answer["ErrorDesc"]
    return answer


def test_an_unknown_system_is_refused(parties: Parties) -> None:
    stranger = Sdk(django_transport(Client()), "no-such-client", "whatever")
    _refused(stranger.count_edoc(), "101")


def test_an_inactive_system_is_refused(parties: Parties) -> None:
    ConnectedSystem.objects.filter(name="vpcp").update(active=False)
    _refused(parties.sender.sdk().count_edoc(), "101")


def test_a_wrong_secret_is_refused(parties: Parties) -> None:
    forger = Sdk(django_transport(Client()), parties.sender.client_id, parties.receiver.secret)
    answer = _refused(forger.count_edoc(), "102")
    assert "hash-header" in answer["ErrorDesc"]


def test_a_sign_header_changed_after_signing_is_refused(parties: Parties) -> None:
    def widen(headers: dict[str, str]) -> None:
        signed = json.loads(headers["XroadVnpt-sign-header"])
        signed["XroadVnpt-messagetype"] = "status"
        headers["XroadVnpt-sign-header"] = json.dumps(signed, separators=(",", ":"))

    _refused(parties.receiver.sdk().call("getReceivedEdocList", tamper=widen), "102")


def test_a_header_that_differs_from_its_signed_value_is_refused(
    parties: Parties, agency_key: SigningKey
) -> None:
    sdk = parties.receiver.sdk()
    data = document(agency_key)
    answer = sdk.call(
        "sendEdoc",
        {"from": GOV_OFFICE, "servicetype": "eDoc", "messagetype": "edoc", "hash-file": _hex(data)},
        body=data,
        content_type="application/octet-stream",
        tamper=lambda headers: headers.update({"XroadVnpt-from": NGHE_AN}),
    )
    _refused(answer, "103")
    assert not Message.objects.exists()


def test_a_needed_header_sent_but_not_signed_does_not_steer_the_call(
    parties: Parties, agency_key: SigningKey
) -> None:
    data = document(agency_key)
    sdk = parties.sender.sdk(sign_kept=False)
    sdk.kept.update({"from": GOV_OFFICE, "hash-file": _hex(data), "messagetype": "edoc"})
    answer = sdk.call("sendEdoc", body=data, content_type="application/octet-stream")
    _refused(answer, "103")
    assert not Message.objects.exists()


def test_a_missing_parameter_is_refused(parties: Parties) -> None:
    _refused(parties.receiver.sdk().call("getEdoc"), "107")


def test_a_timestamp_outside_the_window_is_refused(parties: Parties, settings: Any) -> None:
    settings.LIENTHONG = dataclasses.replace(settings.LIENTHONG, vxp_window_seconds=60)
    sdk = parties.sender.sdk()
    sdk.now = lambda: dt.datetime.now(LOCAL) - dt.timedelta(seconds=90)
    _refused(sdk.count_edoc(), "104")
    sdk.now = lambda: dt.datetime.now(LOCAL) + dt.timedelta(seconds=90)
    _refused(sdk.count_edoc(), "104")
    sdk.now = lambda: dt.datetime.now(LOCAL) - dt.timedelta(seconds=30)
    assert sdk.count_edoc()["status"] == "OK"


def test_a_timestamp_in_utc_instead_of_local_time_is_refused(parties: Parties) -> None:
    sdk = parties.sender.sdk()
    sdk.now = lambda: dt.datetime.now(dt.UTC)  # seven hours behind Vietnamese wall time
    _refused(sdk.count_edoc(), "104")


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-11-25T17:35:27+07:00",
        "25112026T173527",
        "25112026T173527+07:00",
        "32132026T000000+0000",
    ],
)
def test_a_timestamp_not_in_the_sdk_format_is_refused(parties: Parties, stamp: str) -> None:
    sdk = parties.sender.sdk()
    sdk.now = lambda: dt.datetime.now(LOCAL)
    answer = _resigned(sdk, "countReceiveEdoc", {"XroadVnpt-timestamp": stamp})
    _refused(answer, "104")


def test_the_timestamp_must_be_signed(parties: Parties) -> None:
    answer = _resigned(parties.sender.sdk(), "countReceiveEdoc", {"XroadVnpt-timestamp": None})
    _refused(answer, "104")


def test_an_exact_replay_is_refused(parties: Parties) -> None:
    sdk = parties.sender.sdk()
    assert sdk.count_edoc()["status"] == "OK"
    _refused(sdk.replay(), "105")


def test_a_replayed_send_stores_nothing_twice(parties: Parties, agency_key: SigningKey) -> None:
    sdk = parties.sender.sdk()
    assert sdk.send_edoc(document(agency_key), GOV_OFFICE)["status"] == "OK"
    _refused(sdk.replay(), "105")
    assert Message.objects.count() == 1


def test_missing_authentication_headers_are_refused(parties: Parties) -> None:
    response = Client().get("/vxp/countReceiveEdoc")
    assert response.status_code == 200
    _refused(response.json(), "106")


def test_a_sign_header_that_is_not_json_is_refused(parties: Parties) -> None:
    sdk = parties.sender.sdk()
    sign = "not json"
    headers = {
        "XroadVnpt-systemid": sdk.systemid,
        "XroadVnpt-sign-header": sign,
        "XroadVnpt-hash-header": _hmac(sdk.secret, sign),
    }
    _refused(sdk.send("GET", "/vxp/countReceiveEdoc", headers, b"", "application/json"), "106")


def test_sending_for_an_agency_the_system_does_not_hold_is_refused(
    parties: Parties, agency_key: SigningKey
) -> None:
    data = document(agency_key, sender=HUE, to=(NGHE_AN,))
    _refused(parties.sender.sdk().send_edoc(data, HUE), "201")
    _refused(parties.sender.sdk().send_edoc(data, "000.00.00.H99"), "213")
    assert not Message.objects.exists()


def test_a_document_whose_from_is_not_held_is_refused_by_the_hub(
    parties: Parties, agency_key: SigningKey
) -> None:
    data = document(agency_key, sender=HUE, to=(NGHE_AN,))
    _refused(parties.receiver.sdk().send_edoc(data, NGHE_AN), "201")


def test_a_hash_file_that_does_not_match_the_body_is_refused(
    parties: Parties, agency_key: SigningKey
) -> None:
    data = document(agency_key)
    other = hashlib.sha256(b"other").hexdigest()
    _refused(parties.sender.sdk().send_edoc(data, GOV_OFFICE, hash_file=other), "202")
    _refused(parties.sender.sdk().send_edoc(data, GOV_OFFICE, hash_file="xyz"), "202")
    assert not Message.objects.exists()


def test_a_body_over_the_size_limit_is_refused(
    parties: Parties, agency_key: SigningKey, settings: Any
) -> None:
    settings.LIENTHONG = dataclasses.replace(settings.LIENTHONG, max_message_bytes=1000)
    _refused(parties.sender.sdk().send_edoc(document(agency_key), GOV_OFFICE), "205")


def test_malformed_edxml_is_refused(parties: Parties) -> None:
    _refused(parties.sender.sdk().send_edoc(b"<edXML><unclosed>", GOV_OFFICE), "203")


def test_an_unsigned_document_is_refused_with_the_hubs_reason(
    parties: Parties, agency_key: SigningKey
) -> None:
    from lienthong.edxml import parse

    unsigned = build(parse(document(agency_key)).message)
    answer = _refused(parties.sender.sdk().send_edoc(unsigned, GOV_OFFICE), "209")
    assert "signature-missing" in answer["ErrorDesc"]


def test_an_unregistered_recipient_is_refused(parties: Parties, agency_key: SigningKey) -> None:
    data = document(agency_key, to=("000.00.00.H99",))
    _refused(parties.sender.sdk().send_edoc(data, GOV_OFFICE), "214")


def test_other_content_under_the_same_document_id_is_refused(
    parties: Parties, agency_key: SigningKey
) -> None:
    sdk = parties.sender.sdk()
    assert sdk.send_edoc(document(agency_key), GOV_OFFICE)["status"] == "OK"
    changed = document(agency_key, subject="Nội dung khác")
    _refused(sdk.send_edoc(changed, GOV_OFFICE), "216")


def test_an_unknown_doc_id_is_refused(parties: Parties, agency_key: SigningKey) -> None:
    doc_id = parties.sender.sdk().send_edoc(document(agency_key), GOV_OFFICE)["DocId"]
    stranger = parties.outsider.sdk()
    _refused(stranger.get_edoc(doc_id), "301")
    _refused(stranger.get_edoc(str(uuid.uuid4())), "301")
    _refused(stranger.get_edoc("not-an-id"), "301")
    _refused(stranger.update_status(str(uuid.uuid4()), "done"), "301")
    _refused(stranger.sent_list(doc_id), "301")
    receiver = parties.receiver.sdk()
    _refused(receiver.sent_list(doc_id), "301")  # a recipient, not the sender
    delivery = Delivery.objects.filter(message_id=doc_id).first()
    assert delivery is not None
    _refused(stranger.update_status(str(delivery.pk), "done"), "301")


def test_an_unknown_update_status_value_is_refused(
    parties: Parties, agency_key: SigningKey
) -> None:
    parties.sender.api.submit(document(agency_key))
    sdk = parties.receiver.sdk()
    entry = sdk.received_list()["data"][0]
    _refused(sdk.update_status(entry["docId"], "archived"), "107")


def test_answering_done_after_fail_is_a_state_conflict(
    parties: Parties, agency_key: SigningKey
) -> None:
    parties.sender.api.submit(document(agency_key))
    sdk = parties.receiver.sdk()
    entry = sdk.received_list()["data"][0]
    assert sdk.update_status(entry["docId"], "fail")["status"] == "OK"
    _refused(sdk.update_status(entry["docId"], "done"), "302")


def test_an_unknown_messagetype_is_refused(parties: Parties) -> None:
    _refused(parties.receiver.sdk().received_list("fax"), "107")


def test_an_unknown_verb_or_method_is_refused(parties: Parties) -> None:
    sdk = parties.sender.sdk()
    _refused(sdk.call("deleteEverything"), "108")
    _refused(sdk.call("sendEdoc", method="GET"), "108")


def test_the_rate_limit_answers_as_vxp(parties: Parties, settings: Any) -> None:
    settings.LIENTHONG = dataclasses.replace(settings.LIENTHONG, rate_limit=0.001)
    sdk = parties.outsider.sdk()
    sdk.count_edoc()  # the first takes the small burst, if any
    _refused(sdk.count_edoc(), "109")


def test_an_unexpected_failure_is_a_fail_answer_not_a_500(
    parties: Parties, agency_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lienthong.hub.exchange import services

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "lease_deliveries", broken)
    answer = _refused(parties.receiver.sdk().received_list(), "999")
    assert "disk on fire" not in answer["ErrorDesc"]


# --- helpers: a call whose signed headers the test rewrites (and signs again) -----------------


def _hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(secret: str, text: str) -> str:
    import hmac

    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def _resigned(sdk: Sdk, verb: str, changes: dict[str, str | None]) -> dict[str, Any]:
    """Call ``verb`` with some signed entries changed (None: removed) and signed again."""

    def rewrite(headers: dict[str, str]) -> None:
        signed = json.loads(headers["XroadVnpt-sign-header"])
        for name, value in changes.items():
            if value is None:
                signed.pop(name, None)
                headers.pop(name, None)
            else:
                signed[name] = headers[name] = value
        text = json.dumps(signed, separators=(",", ":"))
        headers["XroadVnpt-sign-header"] = text
        headers["XroadVnpt-hash-header"] = _hmac(sdk.secret, text)

    return sdk.call(verb, method="GET", tamper=rewrite)


def test_the_sdk_timestamp_format_is_what_the_hub_reads(parties: Parties) -> None:
    moment = dt.datetime.now(LOCAL).replace(microsecond=5_000)
    assert timestamp(moment).endswith("+0005")
    sdk = parties.sender.sdk()
    sdk.now = lambda: moment
    assert sdk.count_edoc()["status"] == "OK"
