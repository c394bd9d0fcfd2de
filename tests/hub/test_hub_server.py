"""The hub over real HTTP: ``lienthong hub serve`` in a process of its own, set up by an
operator with ``lienthong hub …`` on the same data directory, used by two systems with httpx."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from lienthong.edxml import Organization, build
from lienthong.edxml.compose import NewFile, new_edoc
from lienthong.edxml.dsig import sign
from lienthong.edxml.model import Code
from lienthong.edxml.signing_key import SigningKey

from ..edxml.pki import Pki
from .conftest import GOV_OFFICE, HA_NOI, HUE, NGHE_AN, document
from .live import LiveHub, live_hub

ENTERPRISE = "000.00.31.H41"


@dataclass
class Site:
    hub: LiveHub
    sender: dict[str, Any]  # {"client_id", "client_secret", …} of the Government Office's system
    receiver: dict[str, Any]  # of the system hosting Nghệ An and Hà Nội


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[Site]:
    with live_hub(tmp_path_factory.mktemp("live")) as hub:
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


def token(site: Site, credentials: dict[str, Any]) -> str:
    response = httpx.post(
        f"{site.hub.base_url}/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials["client_id"], credentials["client_secret"]),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture(scope="module")
def sender(site: Site) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {token(site, site.sender)}"}
    with httpx.Client(base_url=site.hub.base_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def receiver(site: Site) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {token(site, site.receiver)}"}
    with httpx.Client(base_url=site.hub.base_url, headers=headers, timeout=30) as client:
        yield client


def submit(client: httpx.Client, data: bytes) -> httpx.Response:
    return client.post(
        "/api/v1/messages", content=data, headers={"Content-Type": "application/xml"}
    )


def test_serve_prints_the_url_it_serves(site: Site) -> None:
    assert f"lienthong hub: {site.hub.base_url}/" in site.hub.log()


def test_the_server_logs_json_lines_with_each_request(site: Site) -> None:
    httpx.get(f"{site.hub.base_url}/api/v1/inbox", params={"kind": "edoc"}, timeout=10)
    banner, *lines = site.hub.log().splitlines()
    assert banner.startswith("lienthong hub: ")
    events = [json.loads(line) for line in lines]  # every line after the banner is JSON
    requests = [e for e in events if e["event"] == "request"]
    assert {"method": "GET", "path": "/api/v1/inbox?kind=edoc", "status": 401} in [
        {k: e[k] for k in ("method", "path", "status")} for e in requests
    ]
    assert all({"timestamp", "level", "logger"} <= set(e) for e in events)


def test_a_signed_document_travels_from_sender_to_recipients(
    site: Site,
    sender: httpx.Client,
    receiver: httpx.Client,
    agency_key: SigningKey,
    tmp_path: Path,
) -> None:
    data = document(agency_key, number="101")
    accepted = submit(sender, data)
    assert accepted.status_code == 201, accepted.text
    message_id = accepted.json()["id"]
    assert accepted.json()["recipients"] == [NGHE_AN, HA_NOI]

    items = receiver.get("/api/v1/inbox", params={"kind": "edoc"}).json()["items"]
    assert sorted(i["to"] for i in items) == [HA_NOI, NGHE_AN]
    assert {i["message_id"] for i in items} == {message_id}
    assert {i["sha256"] for i in items} == {hashlib.sha256(data).hexdigest()}

    fetched = receiver.get(f"/api/v1/messages/{message_id}")
    assert fetched.status_code == 200
    assert fetched.content == data
    assert fetched.headers["X-Content-SHA256"] == hashlib.sha256(data).hexdigest()

    for item in items:
        ack = receiver.post(f"/api/v1/inbox/{item['delivery_id']}/ack", json={"result": "done"})
        assert ack.json()["state"] == "delivered"
    assert receiver.get("/api/v1/inbox").json()["items"] == []
    trace = sender.get(f"/api/v1/messages/{message_id}/trace").json()
    assert {r["to"]: r["state"] for r in trace["recipients"]} == {
        NGHE_AN: "delivered",
        HA_NOI: "delivered",
    }

    answer, edxml = tmp_path / "answer.json", tmp_path / "sent.edxml"
    answer.write_text(accepted.text)
    edxml.write_bytes(data)
    verified = site.hub.ok("receipt", "verify", answer, "--document", edxml)
    assert (verified["ok"], verified["message_id"]) == (True, message_id)
    assert site.hub.ok("audit", "verify")["ok"] is True


def test_a_wrong_client_secret_gets_no_token(site: Site) -> None:
    response = httpx.post(
        f"{site.hub.base_url}/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(site.sender["client_id"], "not-the-secret"),
    )
    assert response.status_code == 401


def _flipped_signature(data: bytes) -> bytes:
    start = data.index(b"SignatureValue>") + len(b"SignatureValue>")
    flipped = b"B" if data[start + 10 : start + 11] != b"B" else b"C"
    return data[: start + 10] + flipped + data[start + 11 :]


def _unsigned() -> bytes:
    message = new_edoc(
        sender=Organization(GOV_OFFICE),
        recipients=[Organization(NGHE_AN)],
        subject="Không ký",
        code=Code("301", "VPCP"),
    )
    return build(message)


def malformed_bodies(key: SigningKey) -> list[tuple[str, bytes]]:
    signed = document(key, number="201")
    doctype = '<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    laughs = "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10 if i else "lol"}">' for i in range(8)
    )
    return [
        ("empty", b""),
        ("one bracket", b"<"),
        ("text", b"not xml at all"),
        ("binary", bytes(range(256)) * 8),
        ("unclosed", b"<edXML><edXMLEnvelope>"),
        ("another vocabulary", b'<?xml version="1.0"?><html><body/></html>'),
        ("json", b'{"edXML": true}'),
        ("xxe", f"{doctype}<edXML>&x;</edXML>".encode()),
        ("billion laughs", f"<!DOCTYPE edXML [{laughs}]><edXML>&l7;</edXML>".encode()),
        ("external dtd", b'<!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/x.dtd"><edXML/>'),
        ("deep nesting", b"<edXML>" + b"<a>" * 20000 + b"</a>" * 20000 + b"</edXML>"),
        ("unknown encoding", b'<?xml version="1.0" encoding="x-nothing"?><edXML/>'),
        ("utf-16 noise", b"\xff\xfe<\x00e\x00d\x00"),
        ("truncated", signed[: len(signed) // 2]),
        ("trailing garbage", signed + b"<more/>"),
        ("empty envelope", b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>'),
        ("unsigned", _unsigned()),
        ("changed signature", _flipped_signature(signed)),
        ("unknown recipient", document(key, number="202", to=("000.00.00.H99",))),
        ("not its agency", document(key, number="203", sender=NGHE_AN, to=(GOV_OFFICE,))),
    ]


def _server_process(site: Site) -> psutil.Process:
    port = site.hub.base_url.rsplit(":", 1)[1]
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if "serve" in cmdline and port in cmdline:
            return process
    raise AssertionError(f"no hub server process listens on port {port}")


def test_a_large_message_is_streamed_to_the_recipient_not_read_into_memory(
    site: Site, sender: httpx.Client, receiver: httpx.Client, agency_key: SigningKey
) -> None:
    attachment = secrets.token_bytes(40 * 1024 * 1024)
    message = new_edoc(
        sender=Organization(GOV_OFFICE, organ_name="Văn phòng Chính phủ"),
        recipients=[Organization(NGHE_AN)],
        subject="Bộ hồ sơ quét",
        code=Code("501", "VPCP-TTĐT"),
        files=[NewFile("ho-so.pdf", "application/pdf", attachment)],
    )
    data = sign(build(message), agency_key)
    accepted = submit(sender, data)
    assert accepted.status_code == 201, accepted.text
    server = _server_process(site)
    before = server.memory_info().rss

    digest = hashlib.sha256()
    with receiver.stream("GET", f"/api/v1/messages/{accepted.json()['id']}") as response:
        assert response.status_code == 200
        assert int(response.headers["Content-Length"]) == len(data)
        chunks = response.iter_bytes()
        digest.update(next(chunks))
        growth_while_sending = server.memory_info().rss - before
        for chunk in chunks:
            digest.update(chunk)

    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    assert growth_while_sending < len(data) // 4, growth_while_sending


def test_the_hub_keeps_serving_after_malformed_bodies(
    site: Site, sender: httpx.Client, agency_key: SigningKey
) -> None:
    bodies = malformed_bodies(agency_key)
    assert len(bodies) == 20
    answers = {}
    for name, body in bodies:
        response = submit(sender, body)
        answers[name] = (response.status_code, response.headers.get("Content-Type"))
        assert 400 <= response.status_code < 500, (name, response.status_code, response.text)
        assert response.headers["Content-Type"] == "application/problem+json", name
        problem = response.json()
        assert problem["type"].endswith(problem["code"]), name
        assert "Traceback" not in response.text
    assert httpx.get(f"{site.hub.base_url}/api/v1/health").json() == {"status": "ok"}
    still = submit(sender, document(agency_key, number="204"))
    assert still.status_code == 201, still.text


def test_hub_stats_counts_what_crossed_the_network(site: Site) -> None:
    """``lienthong hub stats`` reads the counters kept in the submit and ack transactions."""
    this_month = dt.date.today().isoformat()[:7]
    by_month = site.hub.ok("stats")
    assert by_month["group"] == "month"
    [month] = [row for row in by_month["items"] if row["month"] == this_month]
    assert month["sent"] >= 1 and month["received"] >= 1

    by_agency = {row["agency"]: row for row in site.hub.ok("stats", "--group", "agency")["items"]}
    assert by_agency[GOV_OFFICE]["sent"] >= 1
    assert by_agency[NGHE_AN]["received"] >= 1
    assert site.hub.ok("stats", "--from", "2001-01", "--to", "2001-12")["items"] == []


def test_hub_stats_refuses_a_date_it_cannot_read(site: Site) -> None:
    code, answer = site.hub.cli_json("stats", "--from", "last spring")
    assert (code, answer["error"]["code"]) == (1, "value-invalid"), answer


# --- the operator console (Django admin), over the same live server ------------------------------


@pytest.fixture(scope="module")
def console(site: Site) -> Iterator[httpx.Client]:
    """A browser session of an operator logged in to /admin/."""
    password = secrets.token_urlsafe(16)
    created = site.hub.ok("operator", "add", "operator", "--password", password)
    assert created == {"username": "operator", "console": "/admin/"}
    with httpx.Client(base_url=site.hub.base_url, timeout=30) as browser:
        login = browser.get("/admin/login/")
        logged_in = browser.post(
            "/admin/login/",
            data={
                "csrfmiddlewaretoken": _csrf(login.text),
                "username": "operator",
                "password": password,
                "next": "/admin/",
            },
        )
        assert logged_in.status_code == 302, logged_in.text
        yield browser


def _csrf(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found is not None, html[:500]
    return found.group(1)


def _post(browser: httpx.Client, path: str, data: dict[str, Any]) -> httpx.Response:
    """Submit a console form as a browser does: with the CSRF token of the page it is on."""
    page = browser.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return browser.post(path, data={"csrfmiddlewaretoken": _csrf(page.text), **data})


def _pk(browser: httpx.Client, changelist: str, query: str) -> str:
    page = browser.get(changelist, params={"q": query})
    # The result rows only: a message left from an earlier change may link to another object.
    rows = rf'<th class="field-[^"]*"><a href="{changelist}(\d+)/change/'
    found = set(re.findall(rows, page.text))
    assert len(found) == 1, (changelist, query, found)
    return found.pop()


def _audited(browser: httpx.Client, subject: str, action: str) -> bool:
    page = browser.get("/admin/audit/auditentry/", params={"q": subject})
    return "operator:operator" in page.text and action in page.text


def test_the_console_approves_an_agency_through_the_registry(
    site: Site, console: httpx.Client
) -> None:
    site.hub.ok("agency", "add", ENTERPRISE, "--name", "Công ty Y", "--kind", "enterprise")
    acted = _post(
        console,
        "/admin/registry/agency/",
        {
            "action": "approve",
            "_selected_action": _pk(console, "/admin/registry/agency/", ENTERPRISE),
            "index": "0",
        },
    )
    assert acted.status_code == 302, acted.text
    active = site.hub.ok("agency", "list", "--status", "active")["agencies"]
    assert ENTERPRISE in {a["code"] for a in active}
    assert _audited(console, ENTERPRISE, "agency.status")


def test_the_console_adds_an_agency_through_the_registry(site: Site, console: httpx.Client) -> None:
    added = _post(
        console,
        "/admin/registry/agency/add/",
        {
            "code": HUE,
            "code_d20": "",
            "name": "UBND thành phố Huế",
            "parent": "",
            "kind": "state",
            "email": "",
            "_save": "1",
        },
    )
    assert added.status_code == 302, added.text
    listed = {a["code"]: a for a in site.hub.ok("agency", "list")["agencies"]}
    assert (listed[HUE]["level"], listed[HUE]["status"]) == (1, "active")
    assert _audited(console, HUE, "agency.added")


def test_the_console_refuses_a_bad_agency_code_on_the_form(console: httpx.Client) -> None:
    refused = _post(
        console,
        "/admin/registry/agency/add/",
        {"code": "000.00.00.h46", "name": "x", "kind": "state", "_save": "1"},
    )
    assert refused.status_code == 200  # the form again, with the reason
    assert "lower-case" in refused.text


def test_the_console_renames_an_agency_and_the_audit_log_records_it(
    site: Site, console: httpx.Client
) -> None:
    pk = _pk(console, "/admin/registry/agency/", HA_NOI)
    changed = _post(
        console,
        f"/admin/registry/agency/{pk}/change/",
        {"name": "Ủy ban nhân dân thành phố Hà Nội", "email": "vanthu@hanoi.gov.vn", "_save": "1"},
    )
    assert changed.status_code == 302, changed.text
    listed = {a["code"]: a for a in site.hub.ok("agency", "list")["agencies"]}
    assert listed[HA_NOI]["name"] == "Ủy ban nhân dân thành phố Hà Nội"
    assert _audited(console, HA_NOI, "agency.changed")


def test_the_console_changes_the_agencies_a_system_acts_for(
    site: Site, console: httpx.Client
) -> None:
    system = _pk(console, "/admin/registry/connectedsystem/", "tinh")
    agencies = [_pk(console, "/admin/registry/agency/", code) for code in (NGHE_AN,)]
    changed = _post(
        console,
        f"/admin/registry/connectedsystem/{system}/change/",
        {"agencies": agencies, "webhook_url": "", "active": "on", "_save": "1"},
    )
    assert changed.status_code == 302, changed.text
    systems = {s["name"]: s for s in site.hub.ok("system", "list")["systems"]}
    assert systems["tinh"]["agencies"] == [NGHE_AN]
    assert _audited(console, "tinh", "system.changed")
    restored = _post(
        console,
        f"/admin/registry/connectedsystem/{system}/change/",
        {
            "agencies": [*agencies, _pk(console, "/admin/registry/agency/", HA_NOI)],
            "webhook_url": "",
            "active": "on",
            "_save": "1",
        },
    )
    assert restored.status_code == 302, restored.text


def test_a_webhook_added_in_the_console_gets_its_secret_shown_once(
    site: Site, console: httpx.Client
) -> None:
    site.hub.ok("system", "add", "so-tu-phap", "--agency", NGHE_AN)
    system = _pk(console, "/admin/registry/connectedsystem/", "so-tu-phap")
    form = {
        "agencies": [_pk(console, "/admin/registry/agency/", NGHE_AN)],
        "webhook_url": "https://stp.example/hook",
        "active": "on",
        "_save": "1",
    }
    path = f"/admin/registry/connectedsystem/{system}/change/"
    first = _post(console, path, form)
    assert first.status_code == 302, first.text
    shown = re.findall(
        r"webhook của so-tu-phap: ([A-Za-z0-9_-]{43})", console.get(first.headers["location"]).text
    )
    assert len(shown) == 1
    again = _post(console, path, form)  # the secret exists now: not issued, not shown again
    assert shown[0] not in console.get(again.headers["location"]).text


def test_the_console_is_styled_by_its_own_static_files(console: httpx.Client) -> None:
    page = console.get("/admin/")
    stylesheets = re.findall(r'href="(/static/admin/css/[^"]+\.css)"', page.text)
    assert stylesheets
    for stylesheet in stylesheets:
        served = console.get(stylesheet)
        assert served.status_code == 200, stylesheet
        assert served.headers["content-type"].startswith("text/css")


def test_the_console_adds_a_trust_anchor_from_pem(site: Site, console: httpx.Client) -> None:
    pem = (site.hub.data_dir / "hub" / "hub-cert.pem").read_text()
    added = _post(console, "/admin/registry/trustanchor/add/", {"pem": pem, "_save": "1"})
    assert added.status_code == 302, added.text
    subjects = [a["subject"] for a in site.hub.ok("trust", "list")["anchors"]]
    assert any("lienthong" in subject for subject in subjects)
    garbage = _post(
        console, "/admin/registry/trustanchor/add/", {"pem": "not a cert", "_save": "1"}
    )
    assert garbage.status_code == 200
    assert "cannot read" in garbage.text


def test_what_the_hub_promised_cannot_be_changed_from_the_console(
    site: Site, console: httpx.Client
) -> None:
    for path, status in (
        ("/admin/exchange/message/", 200),
        ("/admin/exchange/delivery/", 200),
        ("/admin/audit/auditentry/", 200),
        ("/admin/exchange/message/add/", 403),
        ("/admin/exchange/delivery/add/", 403),
        ("/admin/audit/auditentry/add/", 403),
        ("/admin/registry/connectedsystem/add/", 403),
    ):
        assert console.get(path).status_code == status, path
    message = re.search(
        r'href="/admin/exchange/message/([0-9a-f-]{36})/change/',
        console.get("/admin/exchange/message/").text,
    )
    assert message is not None
    detail = console.get(f"/admin/exchange/message/{message.group(1)}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.text  # a view, not a form
    refused = console.post(
        f"/admin/exchange/message/{message.group(1)}/delete/",
        data={"csrfmiddlewaretoken": console.cookies["csrftoken"], "post": "yes"},
    )
    assert refused.status_code == 403
    assert "CSRF" not in refused.text  # refused as not permitted, not for a missing token
    assert site.hub.ok("audit", "verify")["ok"] is True
