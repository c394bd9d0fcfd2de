"""VXP over real HTTP: ``lienthong hub serve`` in its own process, systems issued by the
operator's ``lienthong hub system add … --json``, a VXP client on one side and the
``lienthong.client.HubClient`` of /api/v1 on the other."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from lienthong.client import HubClient
from lienthong.edxml import Organization, StatusCode, build, parse
from lienthong.edxml.compose import new_status
from lienthong.edxml.signing_key import SigningKey

from ...edxml.pki import Pki
from ..conftest import GOV_OFFICE, HA_NOI, NGHE_AN, document
from ..live import LiveHub, _start, _stop, live_hub
from .sdk import Sdk, httpx_transport


@dataclass
class Site:
    hub: LiveHub
    sender: dict[str, Any]  # the `system add --json` answer of the Government Office's system
    receiver: dict[str, Any]  # of the system hosting Nghệ An and Hà Nội


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[Site]:
    with live_hub(tmp_path_factory.mktemp("vxp-live")) as hub:
        for code, name in (
            (GOV_OFFICE, "Văn phòng Chính phủ"),
            (NGHE_AN, "UBND tỉnh Nghệ An"),
            (HA_NOI, "UBND thành phố Hà Nội"),
        ):
            hub.ok("agency", "add", code, "--name", name)
        sender = hub.ok("system", "add", "vpcp", "--agency", GOV_OFFICE)
        receiver = hub.ok("system", "add", "tinh", "--agency", NGHE_AN, "--agency", HA_NOI)
        hub.ok("trust", "add", pki.root_pem_path)
        yield Site(hub, sender, receiver)


@pytest.fixture
def http(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.hub.base_url, timeout=30) as client:
        yield client


def _sdk(http: httpx.Client, credentials: dict[str, Any]) -> Sdk:
    return Sdk(httpx_transport(http), credentials["client_id"], credentials["client_secret"])


def _api(site: Site, credentials: dict[str, Any]) -> HubClient:
    return HubClient(site.hub.base_url, credentials["client_id"], credentials["client_secret"])


def _ok(answer: dict[str, Any]) -> dict[str, Any]:
    assert (answer["status"], answer["ErrorCode"]) == ("OK", "0"), answer
    return answer


def test_a_document_sent_by_vxp_is_received_by_the_api_client_and_traced_by_vxp(
    site: Site, http: httpx.Client, agency_key: SigningKey
) -> None:
    data = document(agency_key, number="501")
    sender = _sdk(http, site.sender)
    doc_id = _ok(sender.send_edoc(data, GOV_OFFICE))["DocId"]

    with _api(site, site.receiver) as receiver:
        items = receiver.inbox(kind="edoc")
        assert sorted(i.to for i in items) == [HA_NOI, NGHE_AN]
        assert receiver.fetch(doc_id) == data
        for item in items:
            receiver.ack(item.delivery_id, done=True)
        status = new_status(
            reporter=Organization(NGHE_AN),
            about=parse(data).message,
            code=StatusCode.ASSIGNED,  # type: ignore[arg-type]
        )
        receiver.submit(build(status))

    sent = {d["toCode"]: d for d in _ok(sender.sent_list(doc_id))["data"]}
    assert {code: d["sendStatus"] for code, d in sent.items()} == {NGHE_AN: "done", HA_NOI: "done"}
    assert sent[NGHE_AN]["receiveStatus"] == "04"
    (entry,) = _ok(sender.received_list("status"))["data"]
    assert entry["from"] == NGHE_AN
    _ok(sender.update_status(entry["docId"], "done"))
    assert site.hub.ok("audit", "verify")["ok"] is True


def test_a_document_sent_by_the_api_client_is_received_by_vxp(
    site: Site, http: httpx.Client, agency_key: SigningKey
) -> None:
    data = document(agency_key, number="502", to=(HA_NOI,))
    with _api(site, site.sender) as sender:
        message_id = sender.submit(data).id
        receiver = _sdk(http, site.receiver)
        assert _ok(receiver.count_edoc())["count"] == 1
        (entry,) = _ok(receiver.received_list())["data"]
        assert base64.b64decode(_ok(receiver.download_edoc(entry["docId"]))["data"]) == data
        _ok(receiver.update_status(entry["docId"], "done"))
        assert _ok(receiver.count_edoc())["count"] == 0
        trace = sender.trace(message_id)
    assert [r["state"] for r in trace["recipients"]] == ["delivered"]


def test_a_replay_is_refused_by_another_server_process_on_the_same_database(
    site: Site, http: httpx.Client
) -> None:
    sdk = _sdk(http, site.sender)
    _ok(sdk.count_edoc())
    process, other_url = _start(site.hub, site.hub.data_dir / "serve-2.log")
    try:
        with httpx.Client(base_url=other_url, timeout=30) as other:
            sdk.transport = httpx_transport(other)
            answer = sdk.replay()
    finally:
        _stop(process)
    assert (answer["status"], answer["ErrorCode"]) == ("FAIL", "105")


def test_refusals_on_a_real_server_are_json_with_status_200(site: Site, http: httpx.Client) -> None:
    bad = Sdk(httpx_transport(http), site.sender["client_id"], "not the secret")
    assert bad.count_edoc()["ErrorCode"] == "102"
    response = http.post("/vxp/sendEdoc", content=b"\x00" * 10)
    assert response.status_code == 200
    assert response.json()["ErrorCode"] == "106"
