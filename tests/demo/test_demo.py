"""``lienthong demo`` as a newcomer runs it: real processes on free ports, a temporary data
folder, Ctrl-C (SIGINT) at the end."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.hub.live import free_port

START_SECONDS = 180
LOGIN = ("vanthu.tinh", "demo-lienthong")


@dataclass
class Demo:
    process: subprocess.Popen[str]
    data_dir: Path
    hub_url: str
    dms_url: str
    output: list[str]

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(30)
        assert self.process.stdout is not None
        self.output.append(self.process.stdout.read())
        return code

    @property
    def text(self) -> str:
        return "".join(self.output)


def _env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LIENTHONG_") and k != "DJANGO_SETTINGS_MODULE"
    }


def start_demo(data_dir: Path, ports: tuple[int, int, int], *extra: str) -> Demo:
    hub, dms, pki = ports
    process = subprocess.Popen(
        [
            sys.executable, "-m", "lienthong", "demo", "--data-dir", str(data_dir),
            "--hub-port", str(hub), "--dms-port", str(dms), "--pki-port", str(pki), *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
    )  # fmt: skip
    demo = Demo(process, data_dir, f"http://127.0.0.1:{hub}", f"http://127.0.0.1:{dms}", [])
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
    with dms_session(first_run.dms_url, *LOGIN) as client:
        assert "Nguyễn Thị Hoa" in client.get("/").text
        incoming = client.get("/incoming/").text
    assert "Báo cáo tình hình tổ chức bộ máy" in incoming


def test_the_hub_registry_is_seeded_with_a_pending_enterprise(first_run: Demo) -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "lienthong", "hub", "agency", "list", "--json"],
        capture_output=True,
        text=True,
        env=_env() | {"LIENTHONG_DATA_DIR": str(first_run.data_dir / "hub")},
        timeout=60,
        check=True,
    )
    assert "000.00.00.G22" in listed.stdout and "000.00.31.H41" in listed.stdout
    assert re.search(r'"000\.00\.00\.E01".*?"pending"', listed.stdout, re.S)


def test_sigint_stops_everything_with_exit_0(first_run: Demo) -> None:
    assert first_run.stop() == 0
    assert "Traceback" not in first_run.text
    deadline = time.monotonic() + 10
    while processes_naming(str(first_run.data_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_naming(str(first_run.data_dir)) == []


def test_a_second_start_reuses_the_seeded_data(
    first_run: Demo, demo_dir: Path, ports: tuple[int, int, int]
) -> None:
    if first_run.process.poll() is None:
        first_run.stop()
    again = start_demo(demo_dir, ports)
    try:
        assert "Cấp chứng thư" not in again.text  # nothing seeded again
        assert "Báo cáo tình hình tổ chức bộ máy" in again.text
        with dms_session(again.dms_url, *LOGIN) as client:
            assert "Nguyễn Thị Hoa" in client.get("/").text
    finally:
        assert again.stop() == 0
    assert processes_naming(str(demo_dir)) == []


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
