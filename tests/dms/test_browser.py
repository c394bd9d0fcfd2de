"""Browser tests: Debian's chromium driven by Playwright over a real dms server and a real hub,
two agencies hosted on the dms. Screenshots go to ``$LIENTHONG_TEST_ARTIFACTS/dms``
(default ``var/test-artifacts/dms``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser import VIEWPORT, Desk, Screens, artifacts_dir, chromium, host_agency
from .documents import make_pdf
from .pki import RECIPIENT, RECIPIENT_NAME, SENDER, SENDER_NAME

pytestmark = pytest.mark.browser  # the SQLite run only (tests/conftest.py)


@pytest.fixture(scope="module")
def artifacts() -> Path:
    return artifacts_dir()


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def install(served_pki: Any, hub_template: Any, tmp_path: Path) -> Iterator[Any]:
    """A hub with both agencies and a dms hosting both, with a user per role."""
    from .live_dms import live_dms
    from .support import hub_network

    with (
        hub_network(hub_template, tmp_path / "hub") as (hub, credentials),
        live_dms(tmp_path / "dms", served_pki.root) as dms,
    ):
        for code, name in ((SENDER, SENDER_NAME), (RECIPIENT, RECIPIENT_NAME)):
            host_agency(
                dms, served_pki, code, name, hub_url=hub.base_url, credentials=credentials[code]
            )
        yield dms


def test_a_document_goes_from_draft_to_completion_between_two_agencies(
    install: Any, browser: Any, served_pki: Any, artifacts: Path, tmp_path: Path
) -> None:
    dms = install
    page = browser.new_page(viewport=VIEWPORT)
    desk = Desk(page, dms.base_url, Screens(artifacts))
    login, logout, shot = desk.login, desk.logout, desk.shot

    # The sender's specialist drafts, picking the recipient from the hub's directory.
    pdf = tmp_path / "quyet-dinh.pdf"
    pdf.write_bytes(make_pdf())
    login("h25-specialist")
    page.goto(f"{dms.base_url}/outgoing/new/")
    page.select_option("#id_type_name", "Quyết định")
    page.fill("#id_subject", "Quyết định phê duyệt kế hoạch chuyển đổi số tỉnh Đắk Lắk")
    page.set_input_files("#id_pdf", str(pdf))
    page.fill("#directory-q", "Nghệ An")
    page.click("[data-pick]")
    assert page.input_value("#recipients").startswith(RECIPIENT)
    shot("draft")
    page.click("#save-draft")
    page.click("#submit")
    draft_url = page.url
    logout()

    # The leader approves and signs with the personal certificate.
    login("h25-leader")
    page.goto(draft_url)
    page.fill("#id_password", served_pki.persons[SENDER].p12_password)
    page.click("#approve")
    assert "Đã duyệt và ký số." in page.inner_text(".messages")
    shot("approved")
    logout()

    # The clerk issues: number, agency signature, sent through the hub.
    login("h25-clerk")
    page.goto(draft_url)
    page.click("#issue")
    assert page.inner_text("#code") == "01/QĐ-UBND"
    assert page.inner_text("#state") == "Đã gửi"
    shot("issued")
    logout()

    # The recipient's worker pulls the inbox; the clerk sees the verdict and registers.
    dms.ok("worker", "--once")
    login("h41-clerk")
    page.click("text=Quyết định phê duyệt kế hoạch")
    assert "hợp lệ" in page.inner_text("#edxml-verdict")
    verdicts = page.locator(".pdf-verdict").all_inner_texts()
    assert len(verdicts) == 2 and all("hợp lệ" in v and "không" not in v for v in verdicts)
    shot("received")
    page.click("#register")
    assert page.inner_text("#arrival-number") == "01"
    shot("registered")
    incoming_url = page.url
    logout()

    login("h41-leader")
    page.goto(incoming_url)
    page.select_option("#id_main", label="Specialist H41 (Chuyên viên)")
    page.fill("#id_deadline", "2030-12-31")
    page.fill("#id_instruction", "Đề nghị xử lý trước hạn")
    page.click("#assign")
    assert page.inner_text("#state") == "Đã phân công"
    shot("assigned")
    logout()

    login("h41-specialist")
    page.goto(incoming_url)
    page.fill("#id_text", "Đã họp triển khai")
    page.click("#progress")
    page.fill("#id_result", "Đã triển khai xong")
    page.click("#complete")
    assert page.inner_text("#state") == "Hoàn thành"
    shot("completed")
    logout()

    # The sender sees each status on the tracking page.
    login("h25-clerk")
    page.goto(draft_url)
    page.wait_for_selector("#tracking li.status[data-code='06']")
    codes = page.locator("#tracking li.status").evaluate_all(
        "items => items.map(i => i.dataset.code)"
    )
    assert codes == ["01", "03", "04", "05", "06"]
    shot("tracking")
    page.goto(f"{dms.base_url}/registers/?register=2")
    shot("outgoing-register")
