"""``lienthong demo`` as a newcomer runs it: real processes on free ports, a temporary data
folder, Ctrl-C (SIGINT) at the end.

One start serves the module (the tests run in file order): the ports and printed logins, a real
browser on the dashboard and the dms (screenshots in ``var/test-artifacts/demo/``),
``lienthong simulate`` on the demo's hub, then Ctrl-C and a second start on the same data."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.hub.live import free_port

from .simulation import play_and_check

START_SECONDS = 180
HOSTED = ("000.00.00.H41", "000.00.01.H41", "000.00.02.H41")  # the agencies the dms hosts
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
VIEWPORT = {"width": 1280, "height": 800}
REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass
class Demo:
    process: subprocess.Popen[str]
    data_dir: Path
    hub_url: str
    dms_url: str
    output: list[str]
    via_make: bool = False

    def stop(self) -> int:
        if self.via_make:  # Ctrl-C in a terminal: the whole process group gets SIGINT
            os.killpg(self.process.pid, signal.SIGINT)
        else:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(30)
        assert self.process.stdout is not None
        self.output.append(self.process.stdout.read())
        return code

    @property
    def text(self) -> str:
        return "".join(self.output)

    def operator_login(self) -> tuple[str, str]:
        """The hub operator's login, as the banner prints it."""
        found = re.search(r"/admin/\s+đăng nhập: (\S+) / (\S+)", self.text)
        assert found, self.text
        return found[1], found[2]

    def dms_login(self, role: str) -> tuple[str, str]:
        """The first printed dms user with ``role`` (the province's), and the shared password."""
        password = re.search(r"mật khẩu chung: ([^)\s]+)\)", self.text)
        user = re.search(rf"^\s+{role}\s+(\S+)\s", self.text, re.M)
        assert password and user, self.text
        return user[1], password[1]

    def hub_query(self, sql: str, *args: object) -> list[Any]:
        """The demo's hub database (always SQLite: the demo clears LIENTHONG_* settings)."""
        with sqlite3.connect(self.data_dir / "hub" / "hub.sqlite3", timeout=30) as db:
            return db.execute(sql, args).fetchall()

    def dms_query(self, sql: str, *args: object) -> list[Any]:
        with sqlite3.connect(self.data_dir / "dms" / "dms.sqlite3", timeout=30) as db:
            return db.execute(sql, args).fetchall()


def _env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LIENTHONG_") and k != "DJANGO_SETTINGS_MODULE"
    }


def start_demo(
    data_dir: Path, ports: tuple[int, int, int], *extra: str, via_make: bool = False
) -> Demo:
    """``lienthong demo`` (or ``make demo``, as the README says) on these ports and data."""
    hub, dms, pki = ports
    options = [
        "--data-dir", str(data_dir),
        "--hub-port", str(hub), "--dms-port", str(dms), "--pki-port", str(pki), *extra,
    ]  # fmt: skip
    command = (
        [
            "make",
            "--no-print-directory",
            "-C",
            str(REPOSITORY),
            "demo",
            f"DEMO_ARGS={' '.join(options)}",
        ]
        if via_make
        else [sys.executable, "-m", "lienthong", "demo", *options]
    )
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
        start_new_session=via_make,
    )
    demo = Demo(
        process, data_dir, f"http://127.0.0.1:{hub}", f"http://127.0.0.1:{dms}", [], via_make
    )
    assert process.stdout is not None
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        demo.output.append(line)
        if "Ctrl-C" in line:
            return demo
    process.kill()
    process.wait(10)
    raise AssertionError(f"the demo did not come up:\n{demo.text}")


def processes_naming(marker: str) -> list[str]:
    """Live processes whose command line or environment names ``marker`` (the data folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (entry / "environ").read_bytes().decode(errors="replace")
            state = (entry / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if state != "Z" and (marker in cmdline or marker in environ):
            found.append(f"{entry.name}: {cmdline}")
    return found


@contextmanager
def dms_session(dms_url: str, username: str, password: str) -> Iterator[httpx.Client]:
    """A browser-like client signed in through the login form."""
    with httpx.Client(base_url=dms_url, follow_redirects=True, timeout=30) as client:
        yield _signed_in(client, dms_url, username, password)


def _signed_in(client: httpx.Client, dms_url: str, username: str, password: str) -> httpx.Client:
    page = client.get("/login/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, page
    response = client.post(
        "/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": f"{dms_url}/login/"},
    )
    assert response.status_code == 200, response.text
    assert "/login/" not in str(response.url), "the login was refused"
    return client


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo") / "data"


@pytest.fixture(scope="module")
def ports() -> tuple[int, int, int]:
    chosen: set[int] = set()
    while len(chosen) < 3:
        chosen.add(free_port())
    hub, dms, pki = sorted(chosen)
    return hub, dms, pki


@pytest.fixture(scope="module")
def first_run(demo_dir: Path, ports: tuple[int, int, int]) -> Iterator[Demo]:
    demo = start_demo(demo_dir, ports)
    try:
        yield demo
    finally:
        if demo.process.poll() is None:
            demo.stop()


def test_the_demo_answers_on_both_ports_and_prints_the_logins(first_run: Demo) -> None:
    health = httpx.get(f"{first_run.hub_url}/api/v1/health", timeout=10)
    assert health.status_code == 200
    openapi = httpx.get(f"{first_run.hub_url}/api/v1/openapi.json", timeout=10)
    assert openapi.status_code == 200 and "/api/v1/messages" in openapi.text
    assert httpx.get(f"{first_run.dms_url}/login/", timeout=10).status_code == 200
    for text in ("vanthu.tinh", "lanhdao.snv", "luutru.stc", "quantri.tinh", "vanhanh"):
        assert text in first_run.text
    assert "Traceback" not in first_run.text


def test_a_printed_login_opens_the_dms_and_the_seeded_documents_are_there(
    first_run: Demo,
) -> None:
    assert first_run.dms_login("clerk") == ("vanthu.tinh", "demo-lienthong")
    with dms_session(first_run.dms_url, *first_run.dms_login("clerk")) as client:
        assert "Nguyễn Thị Hoa" in client.get("/").text
        incoming = client.get("/incoming/").text
    assert "Báo cáo tình hình tổ chức bộ máy" in incoming


def test_the_hub_registry_is_seeded_with_a_pending_enterprise(first_run: Demo) -> None:
    status = dict(first_run.hub_query("SELECT code, status FROM registry_agency"))
    assert "000.00.00.G22" in status and "000.00.31.H41" in status
    assert status["000.00.00.E01"] == "pending"
    assert all(v == "active" for k, v in status.items() if k != "000.00.00.E01"), status


# --- a real browser over the running demo ---------------------------------------------------------


@pytest.fixture(scope="module")
def artifacts() -> Path:
    root = Path(os.environ.get("LIENTHONG_TEST_ARTIFACTS", "var/test-artifacts"))
    directory = root / "demo"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        from tests.conftest import missing_service

        missing_service("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def settled(first_run: Demo) -> Demo:
    """The demo once the dms's worker has taken every document waiting on the hub for the
    agencies it hosts (the banner's "đến khi dms worker chạy"): the figures stop moving."""
    marks = ",".join("?" * len(HOSTED))
    waiting = (
        "SELECT COUNT(*) FROM exchange_delivery d "
        "JOIN exchange_message m ON m.id = d.message_id "
        "JOIN registry_agency a ON a.id = d.recipient_id "
        f"WHERE m.kind = 'edoc' AND d.state IN ('queued', 'leased') AND a.code IN ({marks})"
    )
    deadline = time.monotonic() + 90
    while first_run.hub_query(waiting, *HOSTED) != [(0,)]:
        assert time.monotonic() < deadline, "the dms worker did not take the seeded documents"
        time.sleep(0.5)
    return first_run


def _api_stats(demo: Demo) -> dict[str, dict[str, Any]]:
    """``/api/v1/stats?group=agency`` asked by the systems of every agency that sent or
    received a document (a system sees its own agencies' figures), by agency code. Only those:
    a token costs the hub a slow hash of the client secret."""
    counted = demo.hub_query(
        "SELECT DISTINCT s.name FROM stats_monthlycount c "
        "JOIN registry_connectedsystem_agencies l ON l.agency_id = c.agency_id "
        "JOIN registry_connectedsystem s ON s.id = l.connectedsystem_id WHERE c.kind = 'edoc'"
    )
    state = json.loads((demo.data_dir / "demo.json").read_text())
    assert len(counted) >= 2, counted  # the dms's and the Government Office's at least
    rows: dict[str, dict[str, Any]] = {}
    for system in (state["systems"][name] for (name,) in counted):
        token = httpx.post(
            f"{demo.hub_url}/api/v1/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(system["client_id"], system["client_secret"]),
            timeout=30,
        )
        assert token.status_code == 200, token.text
        response = httpx.get(
            f"{demo.hub_url}/api/v1/stats?group=agency",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        rows |= {row["agency"]: row for row in response.json()["items"]}
    return rows


def test_the_printed_operator_login_shows_the_api_figures_on_the_dashboard(
    settled: Demo, browser: Any, artifacts: Path
) -> None:
    username, password = settled.operator_login()
    stats = _api_stats(settled)
    assert sum(row["sent"] for row in stats.values()) >= 8, stats  # the seeded traffic
    assert all(row["received"] > 0 for code, row in stats.items() if code in HOSTED), stats

    page = browser.new_page(viewport=VIEWPORT, locale="vi-VN")
    try:
        page.goto(f"{settled.hub_url}/dashboard/")
        assert "/admin/login/" in page.url
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(f"{settled.hub_url}/dashboard/")
        page.goto(f"{settled.hub_url}/dashboard/?top=100")  # every agency, not the top ten
        # Every agency's figures on the page are the API's; the totals are their sums.
        for code, row in stats.items():
            line = f"#table-agencies tr[data-code='{code}']"
            assert page.inner_text(f"{line} .sent") == str(row["sent"]), code
            assert page.inner_text(f"{line} .received") == str(row["received"]), code
        shown = page.eval_on_selector_all("#table-agencies tr[data-code]", "rows => rows.length")
        assert shown == len(stats)
        assert page.inner_text("#sent-total") == str(sum(r["sent"] for r in stats.values()))
        received = sum(r["received"] for r in stats.values())
        assert page.inner_text("#received-total") == str(received)
        # The operator's CSV, in the same session, says the same as the page.
        table = page.request.get(f"{settled.hub_url}/dashboard/agencies.csv?top=100")
        assert table.ok, table.text()
        assert all(code in table.text() for code in stats)
        page.wait_for_selector("#chart-months canvas")
        assert page.eval_on_selector("#chart-months", "e => echarts.getInstanceByDom(e) != null")
        page.wait_for_timeout(800)  # the charts' opening animation, for the picture
        page.screenshot(path=str(artifacts / "dashboard.png"))
    finally:
        page.close()


def test_a_printed_clerk_login_lists_the_seeded_incoming_documents_in_a_browser(
    settled: Demo, browser: Any, artifacts: Path
) -> None:
    username, password = settled.dms_login("clerk")
    agency = settled.dms_query(
        "SELECT a.code FROM agencies_user u JOIN agencies_agency a ON a.id = u.agency_id "
        "WHERE u.username = ?",
        username,
    )[0][0]
    subjects = [
        subject
        for (subject,) in settled.dms_query(
            "SELECT d.subject FROM incoming_incomingdocument d "
            "JOIN agencies_agency a ON a.id = d.agency_id WHERE a.code = ?",
            agency,
        )
    ]
    assert len(subjects) >= 3, subjects  # the seeded documents, the directive among them
    assert any(s.startswith("Chỉ thị về đẩy mạnh gửi, nhận văn bản điện tử") for s in subjects)

    page = browser.new_page(viewport=VIEWPORT, locale="vi-VN")
    try:
        page.goto(f"{settled.dms_url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.press("#id_password", "Enter")
        assert "/login/" not in page.url, "the printed login was refused"
        page.goto(f"{settled.dms_url}/incoming/")
        assert page.locator("table tbody tr").count() == len(subjects)
        listed = page.inner_text("table tbody")
        for subject in subjects:
            assert subject[:60] in listed, subject
        page.screenshot(path=str(artifacts / "dms-incoming.png"))
    finally:
        page.close()


# --- lienthong simulate on the running demo's hub ---------------------------------------------


def test_simulate_adds_exactly_the_planned_traffic_to_the_running_demo(settled: Demo) -> None:
    # After the browser tests: their figures are the seeded ones.
    env = _env() | {"LIENTHONG_DATA_DIR": str(settled.data_dir / "hub")}
    play_and_check(env, settled.hub_url, lambda sql, args: settled.hub_query(sql, *args))


def test_simulate_says_when_the_hub_does_not_answer(first_run: Demo) -> None:
    env = _env() | {"LIENTHONG_DATA_DIR": str(first_run.data_dir / "hub")}
    args = ["--agencies", "2", "--documents", "1", "--hub", "http://127.0.0.1:9"]
    done = subprocess.run(
        [sys.executable, "-m", "lienthong", "simulate", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, (done.stdout, done.stderr)
    said = " ".join(done.stderr.split())  # the console wraps long lines
    assert "http://127.0.0.1:9 does not answer" in said and "Traceback" not in said, said


def test_sigint_stops_everything_with_exit_0(first_run: Demo) -> None:
    assert first_run.stop() == 0
    assert "Traceback" not in first_run.text
    deadline = time.monotonic() + 10
    while processes_naming(str(first_run.data_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_naming(str(first_run.data_dir)) == []


def test_make_demo_starts_again_on_the_seeded_data(
    first_run: Demo, demo_dir: Path, ports: tuple[int, int, int]
) -> None:
    if first_run.process.poll() is None:
        first_run.stop()
    again = start_demo(demo_dir, ports, via_make=True)  # the README's command
    try:
        assert "Cấp chứng thư" not in again.text  # nothing seeded again
        assert "Báo cáo tình hình tổ chức bộ máy" in again.text
        assert httpx.get(f"{again.hub_url}/api/v1/health", timeout=10).status_code == 200
        with dms_session(again.dms_url, *again.dms_login("clerk")) as client:
            assert "Nguyễn Thị Hoa" in client.get("/").text
    finally:
        again.stop()  # make itself reports the interrupt; the demo's own exit is tested above
    assert processes_naming(str(demo_dir)) == []
    assert "Traceback" not in again.text


def test_a_busy_port_is_a_clear_message_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable, "-m", "lienthong", "demo", "--data-dir", str(tmp_path / "d"),
                "--hub-port", str(port), "--dms-port", str(free_port()),
            ],
            capture_output=True, text=True, env=_env(), timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 2
    assert f"port {port}" in done.stderr and "in use" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_fresh_will_not_delete_a_folder_that_is_not_a_demos(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    done = subprocess.run(
        [sys.executable, "-m", "lienthong", "demo", "--data-dir", str(tmp_path), "--fresh"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "not a demo's data folder" in done.stderr.replace("\n", " ")
    assert (tmp_path / "precious.txt").exists()
