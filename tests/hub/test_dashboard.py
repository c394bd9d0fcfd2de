"""The hub's statistics dashboard: its figures after real traffic through the API, the public
page that names no agency, the CSVs, bad queries, and one real browser over a real hub."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.test import Client

from lienthong.edxml import Organization, build, parse
from lienthong.edxml.compose import new_status
from lienthong.edxml.model import StatusCode
from lienthong.edxml.signing_key import SigningKey
from lienthong.hub.dashboard import figures
from lienthong.hub.dashboard.figures import Period
from lienthong.hub.exchange.models import Delivery, Message
from lienthong.hub.registry import services as registry
from lienthong.hub.registry.models import Agency
from lienthong.hub.registry.operators import add_operator
from lienthong.hub.stats.services import count

from ..edxml.pki import Pki
from .conftest import GOV_OFFICE, HA_NOI, HUE, NGHE_AN, Network, document
from .live import live_hub

PASSWORD = "bang-so-lieu-2026"
NGHE_AN_DEPARTMENT = "000.00.10.H41"  # a level-2 unit under Nghệ An, with no connected system


@dataclasses.dataclass
class Traffic:
    messages: list[str]  # ids of the three documents
    pending: int
    latencies: list[float]


def _ack(network: Network, delivery_id: str, result: str) -> None:
    response = network.receiver.post_json(f"/api/v1/inbox/{delivery_id}/ack", {"result": result})
    assert response.status_code == 200, response.json()


def _status(network: Network, data: bytes, reporter: str, code: StatusCode) -> None:
    notice = new_status(reporter=Organization(reporter), about=parse(data).message, code=code)  # type: ignore[arg-type]
    response = network.receiver.submit(build(notice))
    assert response.status_code == 201, response.json()


@pytest.fixture
def traffic(network: Network, agency_key: SigningKey, settings: Any) -> Traffic:
    """Three documents from the Government Office (five deliveries): three taken, one refused
    by the recipient's system, one still leased; a status 03 and a status 02 back; one document
    to Huế whose delivery went dead; Huế's system switched off; a level-2 agency never connected.
    """
    first = document(agency_key, number="1")
    second = document(agency_key, number="2")
    third = document(agency_key, number="3", to=(NGHE_AN,))
    ids = [network.sender.submit(data).json()["id"] for data in (first, second, third)]
    items = {
        (i["message_id"], i["to"]): i["delivery_id"]
        for i in network.receiver.get("/api/v1/inbox?kind=edoc").json()["items"]
    }
    assert len(items) == 5
    _ack(network, items[(ids[0], NGHE_AN)], "done")
    _ack(network, items[(ids[0], HA_NOI)], "done")
    _ack(network, items[(ids[1], NGHE_AN)], "done")
    _ack(network, items[(ids[1], HA_NOI)], "fail")  # left: ids[2] to Nghệ An, leased
    _status(network, first, NGHE_AN, StatusCode.ACCEPTED)
    _status(network, second, HA_NOI, StatusCode.REFUSED)
    # Submission to acknowledgement: 10 s, 20 s, 30 s and 400 s.
    latencies = [10.0, 20.0, 30.0, 400.0]
    acknowledged = Delivery.objects.filter(acknowledged_at__isnull=False).order_by("pk")
    for delivery, seconds in zip(acknowledged, latencies, strict=True):
        submitted = Message.objects.get(pk=delivery.message_id).created_at
        Delivery.objects.filter(pk=delivery.pk).update(
            acknowledged_at=submitted + dt.timedelta(seconds=seconds)
        )
    # A delivery to Huế leased once and never acknowledged: dead on the next pull.
    assert network.sender.submit(document(agency_key, number="4", to=(HUE,))).status_code == 201
    lienthong = settings.LIENTHONG
    settings.LIENTHONG = dataclasses.replace(lienthong, lease_seconds=0, max_leases=1)
    assert len(network.outsider.get("/api/v1/inbox").json()["items"]) == 1
    assert network.outsider.get("/api/v1/inbox").json()["items"] == []
    settings.LIENTHONG = lienthong
    registry.change_system("hue", agency_codes=[HUE], webhook_url="", active=False)
    registry.add_agency(NGHE_AN_DEPARTMENT, "Sở Thông tin và Truyền thông Nghệ An")
    # Pending: the leased document, and the two status notices queued for the sender.
    return Traffic(ids, pending=3, latencies=latencies)


@pytest.fixture
def operator(db: None) -> Client:
    client = Client()
    client.force_login(add_operator("dieuhanh", PASSWORD))
    return client


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


# --- the figures -------------------------------------------------------------------------------


def test_documents_sent_and_received_count_submissions_and_taken_deliveries(
    traffic: Traffic,
) -> None:
    month = dt.datetime.now(dt.UTC).date().isoformat()[:7]
    assert figures.months(Period()) == [figures.MonthFigure(month, 4, 3, 1.0)]
    assert figures.levels(Period()) == [figures.LevelFigure(1, figures.level_name(1), 4, 3)]


def test_top_agencies_rank_by_documents_sent_and_received(traffic: Traffic) -> None:
    ranked = [(f.code, f.sent, f.received) for f in figures.top_agencies(Period())]
    assert ranked == [(GOV_OFFICE, 4, 0), (NGHE_AN, 0, 2), (HA_NOI, 0, 1)]
    assert [f.code for f in figures.top_agencies(Period(), top=1)] == [GOV_OFFICE]


def test_growth_is_against_the_first_month_and_empty_months_show_as_zero(db: None) -> None:
    agency = registry.add_agency(GOV_OFFICE, "Văn phòng Chính phủ")
    for day, times in ((dt.date(2026, 1, 5), 2), (dt.date(2026, 3, 9), 4)):
        for _ in range(times):
            at = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
            count([agency.pk], kind="edoc", direction="sent", at=at)
    assert figures.months(Period()) == [
        figures.MonthFigure("2026-01", 2, 0, 1.0),
        figures.MonthFigure("2026-02", 0, 0, 0.0),
        figures.MonthFigure("2026-03", 4, 0, 2.0),
    ]
    assert [m.month for m in figures.months(Period(start=dt.date(2026, 3, 1)))] == ["2026-03"]


def test_an_agency_is_connected_when_an_active_system_acts_for_it(traffic: Traffic) -> None:
    shares = [(f.level, f.registered, f.connected, f.share) for f in figures.connected()]
    assert shares == [(1, 4, 3, 75.0), (2, 1, 0, 0.0)]


def test_latency_is_from_submission_to_acknowledgement_at_nearest_rank(traffic: Traffic) -> None:
    latency = figures.latency(Period())
    assert (latency.sample, latency.p50_seconds, latency.p95_seconds) == (4, 20.0, 400.0)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    assert figures.latency(Period(), now=later).sample == 0


def test_pending_dead_and_refused_deliveries_are_counted(traffic: Traffic) -> None:
    states = {f.state: f.count for f in figures.delivery_states(Period())}
    assert states == {"queued": 2, "leased": 1, "delivered": 3, "failed": 1, "dead": 1}
    assert figures.pending(figures.delivery_states(Period())) == traffic.pending
    assert figures.dead(figures.delivery_states(Period())) == 1
    # A month later the waiting and dead ones still count; the answered ones left the window.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    states = {f.state: f.count for f in figures.delivery_states(Period(), now=later)}
    assert states == {"queued": 2, "leased": 1, "delivered": 0, "failed": 0, "dead": 1}
    refusals = figures.refusals(Period())
    assert (refusals.refused_documents, refusals.refused_take_backs) == (1, 0)
    assert refusals.failed_deliveries == 1


def test_status_codes_list_every_code_of_the_standard(traffic: Traffic) -> None:
    codes = {f.code: f.count for f in figures.status_codes(Period())}
    assert codes == {c.value: 0 for c in StatusCode} | {"02": 1, "03": 1}


# --- the pages ---------------------------------------------------------------------------------


def test_the_operator_page_needs_a_console_login(network: Network) -> None:
    for path in ("/dashboard/", "/dashboard/agencies.csv", "/dashboard/months.csv"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    clerk = Client()
    from django.contrib.auth import get_user_model

    clerk.force_login(get_user_model().objects.create_user("khach", password=PASSWORD))
    assert clerk.get("/dashboard/").status_code == 302


def test_the_operator_page_shows_the_figures_and_the_agencies(
    traffic: Traffic, operator: Client
) -> None:
    response = operator.get("/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="sent-total" data-value="4"' in page
    assert 'id="received-total" data-value="3"' in page
    assert 'id="pending" data-value="3"' in page
    assert 'id="dead" data-value="1"' in page
    assert 'id="refused" data-value="1"' in page
    assert "Văn phòng Chính phủ" in page and GOV_OFFICE in page
    assert "dashboard/vendor/echarts.min.js" in page


def test_the_public_page_names_no_agency(traffic: Traffic) -> None:
    response = Client().get("/dashboard/public/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="sent-total" data-value="4"' in page
    for agency in Agency.objects.all():
        assert agency.code not in page
        assert agency.name not in page
    for name in ("months", "levels", "connected", "deliveries", "latency", "status-codes"):
        body = Client().get(f"/dashboard/public/{name}.csv").content.decode()
        assert not any(a.code in body or a.name in body for a in Agency.objects.all())
    assert Client().get("/dashboard/public/agencies.csv").status_code == 404


def test_the_csvs_carry_the_same_numbers_as_the_page_and_the_api(
    traffic: Traffic, operator: Client, network: Network
) -> None:
    month = dt.datetime.now(dt.UTC).date().isoformat()[:7]
    months = _csv(operator.get("/dashboard/months.csv"))
    assert months == [
        {"month": month, "sent": "4", "received": "3", "growth_vs_first_month": "1.0"}
    ]
    assert _csv(Client().get("/dashboard/public/months.csv")) == months
    # The API gives each system its own agencies' numbers: the sender's sent, the receiver's
    # received (Huế's system is switched off and its agency received nothing).
    sent = network.sender.get("/api/v1/stats?group=month").json()["items"]
    received = network.receiver.get("/api/v1/stats?group=month").json()["items"]
    assert (sent[0]["sent"], received[0]["received"]) == (4, 3)
    agencies = _csv(operator.get("/dashboard/agencies.csv?top=2"))
    assert [(a["code"], a["sent"], a["received"]) for a in agencies] == [
        (GOV_OFFICE, "4", "0"),
        (NGHE_AN, "0", "2"),
    ]
    by_agency = network.receiver.get("/api/v1/stats?group=agency").json()["items"]
    assert {r["agency"]: r["received"] for r in by_agency}[NGHE_AN] == 2
    latency = _csv(operator.get("/dashboard/latency.csv"))
    assert latency == [
        {"window_days": "30", "sample": "4", "p50_seconds": "20.0", "p95_seconds": "400.0"}
    ]
    connected = _csv(operator.get("/dashboard/connected.csv"))
    assert [(c["level"], c["registered"], c["connected"]) for c in connected] == [
        ("1", "4", "3"),
        ("2", "1", "0"),
    ]
    refusals = _csv(operator.get("/dashboard/refusals.csv"))
    assert refusals[0]["refused_documents_02"] == "1"
    assert refusals[0]["failed_deliveries"] == "1"
    states = _csv(operator.get("/dashboard/deliveries.csv"))
    assert {s["state"]: s["deliveries"] for s in states}["dead"] == "1"
    codes = _csv(operator.get("/dashboard/status-codes.csv"))
    assert {c["code"]: c["count"] for c in codes}["02"] == "1"
    assert _csv(operator.get("/dashboard/levels.csv"))[0]["sent"] == "4"


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13",
        "from=abc",
        "to=2026-02-30",
        "from=2026-05&to=2026-01",
        "days=0",
        "days=-1",
        "days=367",
        "days=99999999999999999999999",
        "days=١٢",
        "top=0",
        "top=101",
        "top=ten",
        "from=0000-01",
    ],
)
def test_a_bad_query_is_a_400_problem(operator: Client, query: str) -> None:
    for path in ("/dashboard/", "/dashboard/public/", "/dashboard/months.csv"):
        response = operator.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query)
        assert response.json()["code"] == "request-invalid"


def test_an_unknown_csv_is_404_and_writing_is_405(operator: Client) -> None:
    assert operator.get("/dashboard/nothing.csv").status_code == 404
    assert operator.post("/dashboard/").status_code == 405
    assert Client().post("/dashboard/public/").status_code == 405


def test_an_empty_hub_shows_an_empty_dashboard(operator: Client) -> None:
    assert operator.get("/dashboard/").status_code == 200
    assert Client().get("/dashboard/public/?from=2026-01&to=2026-02-15&days=7").status_code == 200
    assert _csv(operator.get("/dashboard/months.csv")) == []


# --- a real browser over a real hub --------------------------------------------------------------


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        from tests.conftest import missing_service

        missing_service("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _token(base_url: str, credentials: dict[str, Any]) -> str:
    response = httpx.post(
        f"{base_url}/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials["client_id"], credentials["client_secret"]),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.mark.browser
def test_an_operator_sees_the_api_numbers_and_the_charts_in_a_browser(
    browser: Any, tmp_path: Path, pki: Pki, agency_key: SigningKey
) -> None:
    artifacts = Path(os.environ.get("LIENTHONG_TEST_ARTIFACTS", "var/test-artifacts")) / "hub"
    artifacts.mkdir(parents=True, exist_ok=True)
    with live_hub(tmp_path / "hub") as hub:
        for code, name in ((GOV_OFFICE, "Văn phòng Chính phủ"), (NGHE_AN, "UBND tỉnh Nghệ An")):
            hub.ok("agency", "add", code, "--name", name)
        sender = hub.ok("system", "add", "vpcp", "--agency", GOV_OFFICE)
        hub.ok("trust", "add", pki.root_pem_path)
        password = secrets.token_urlsafe(16)
        hub.ok("operator", "add", "dieuhanh", "--password", password)
        headers = {"Authorization": f"Bearer {_token(hub.base_url, sender)}"}
        with httpx.Client(base_url=hub.base_url, headers=headers, timeout=30) as api:
            for number in ("1", "2", "3"):
                response = api.post(
                    "/api/v1/messages",
                    content=document(agency_key, number=number, to=(NGHE_AN,)),
                    headers={"Content-Type": "application/xml"},
                )
                assert response.status_code == 201, response.text
            stats = api.get("/api/v1/stats?group=month").json()["items"]
        assert [row["sent"] for row in stats] == [3]

        page = browser.new_page(viewport={"width": 1280, "height": 1800}, locale="vi-VN")
        page.goto(f"{hub.base_url}/dashboard/")
        assert "/admin/login/" in page.url
        page.fill("#id_username", "dieuhanh")
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(f"{hub.base_url}/dashboard/")
        assert page.inner_text("#sent-total") == str(stats[0]["sent"])
        assert page.inner_text(f"#table-months tr[data-month='{stats[0]['month']}'] .sent") == (
            str(stats[0]["sent"])
        )
        page.wait_for_selector("#chart-months canvas")
        size = page.eval_on_selector(
            "#chart-months canvas", "canvas => [canvas.width, canvas.height]"
        )
        assert size[0] > 100 and size[1] > 100
        assert page.eval_on_selector("#chart-months", "e => echarts.getInstanceByDom(e) != null")
        page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

        public = browser.new_page(viewport={"width": 1280, "height": 1200})
        public.goto(f"{hub.base_url}/dashboard/public/")
        assert public.inner_text("#sent-total") == "3"
        assert GOV_OFFICE not in public.content()
        public.wait_for_selector("#chart-levels canvas")
        public.screenshot(path=str(artifacts / "dashboard-public.png"), full_page=True)
