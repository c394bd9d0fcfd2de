"""Browser tests across two dms installs: the sender agency (H25) on install A, the recipient
agency (H41) on install B — two data directories, two databases, two ``lienthong dms serve``
processes — and one real hub server between them. Debian's chromium under Playwright does the
clicking; each install's worker runs one pass (``lienthong dms worker --once``) where a document
or a take-back has to be pulled, instead of waiting on its timer. Screenshots go to
``$LIENTHONG_TEST_ARTIFACTS/dms/two-installs`` (default ``var/test-artifacts/dms/two-installs``).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .browser import VIEWPORT, Desk, Screens, artifacts_dir, chromium, host_agency
from .documents import make_pdf
from .live_dms import LiveDms, live_dms
from .pki import RECIPIENT, RECIPIENT_NAME, SENDER, SENDER_NAME

SUBJECTS = {
    "a": "Quyết định phê duyệt kế hoạch chuyển đổi số tỉnh Đắk Lắk",
    "b": "Quyết định giao chỉ tiêu tuyển sinh năm học mới",
    "c": "Quyết định thành lập tổ công tác liên ngành",
}

pytestmark = pytest.mark.browser  # the SQLite run only (tests/conftest.py)


@dataclass
class TwoInstalls:
    hub: Any  # tests.hub.live.LiveHub
    a: LiveDms  # hosts the sender, H25
    b: LiveDms  # hosts the recipient, H41


@pytest.fixture(scope="module")
def installs(
    served_pki: Any, hub_template: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TwoInstalls]:
    """The hub and the two installs start side by side (each is a few subprocesses), then each
    install gets its agency and users."""
    from .support import hub_network

    root = tmp_path_factory.mktemp("two-installs")
    with ExitStack() as stack:
        hub_stack, a_stack, b_stack = (stack.enter_context(ExitStack()) for _ in range(3))
        with ThreadPoolExecutor(3) as pool:
            a_started = pool.submit(a_stack.enter_context, live_dms(root / "a", served_pki.root))
            b_started = pool.submit(b_stack.enter_context, live_dms(root / "b", served_pki.root))
            hub_started = pool.submit(
                hub_stack.enter_context, hub_network(hub_template, root / "hub")
            )
            hub, credentials = hub_started.result()
            a, b = a_started.result(), b_started.result()
            hosted = [
                pool.submit(
                    host_agency,
                    dms,
                    served_pki,
                    code,
                    name,
                    hub_url=hub.base_url,
                    credentials=credentials[code],
                )
                for dms, code, name in ((a, SENDER, SENDER_NAME), (b, RECIPIENT, RECIPIENT_NAME))
            ]
            for done in hosted:
                done.result()
        yield TwoInstalls(hub, a, b)


@pytest.fixture(scope="module")
def screens() -> Screens:
    return Screens(artifacts_dir("two-installs"))


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def desks(installs: TwoInstalls, browser: Any, screens: Screens) -> tuple[Desk, Desk]:
    """A page on each install, each in its own browser context: both servers are on 127.0.0.1,
    and cookies do not tell ports apart."""
    a, b = (
        Desk(browser.new_context(viewport=VIEWPORT).new_page(), dms.base_url, screens)
        for dms in (installs.a, installs.b)
    )
    return a, b


def send(a: Desk, pki: Any, tmp_path: Path, key: str) -> str:
    """On install A: the specialist drafts (recipient picked from the hub's directory), the
    leader approves and signs with the personal certificate, the clerk issues and sends. The
    outgoing document's URL."""
    page = a.page
    pdf = tmp_path / f"van-ban-{key}.pdf"
    pdf.write_bytes(make_pdf())
    a.login("h25-specialist")
    page.goto(a.url("/outgoing/new/"))
    page.select_option("#id_type_name", "Quyết định")
    page.fill("#id_subject", SUBJECTS[key])
    page.set_input_files("#id_pdf", str(pdf))
    page.fill("#directory-q", "Nghệ An")
    page.click("[data-pick]")
    assert page.input_value("#recipients").startswith(RECIPIENT)
    a.shot(f"{key}-A-draft")
    page.click("#save-draft")
    page.click("#submit")
    outgoing_url: str = page.url
    a.logout()

    a.login("h25-leader")
    page.goto(outgoing_url)
    page.fill("#id_password", pki.persons[SENDER].p12_password)
    page.click("#approve")
    assert "Đã duyệt và ký số." in page.inner_text(".messages")
    a.shot(f"{key}-A-approved-signed")
    a.logout()

    a.login("h25-clerk")
    page.goto(outgoing_url)
    page.click("#issue")
    assert page.inner_text("#state") == "Đã gửi"
    assert page.inner_text("#code").endswith("/QĐ-UBND")
    a.shot(f"{key}-A-issued-sent")
    a.logout()
    return outgoing_url


def receive(installs: TwoInstalls, b: Desk, key: str) -> str:
    """B's worker pulls its inbox; B's clerk opens the document (both signatures valid, in
    plain words). Left logged in as the clerk; the incoming document's URL."""
    installs.b.ok("worker", "--once")
    page = b.page
    b.login("h41-clerk")
    page.click(f"text={SUBJECTS[key]}")
    edxml = page.inner_text("#edxml-verdict")
    assert "hợp lệ" in edxml and SENDER_NAME in edxml, edxml
    assert "ok" in (page.get_attribute("#edxml-verdict", "class") or "").split()
    verdicts = page.locator(".pdf-verdict").all_inner_texts()
    assert len(verdicts) == 2, verdicts
    assert all("hợp lệ" in v for v in verdicts), verdicts
    assert any("người có thẩm quyền" in v for v in verdicts), verdicts  # the leader's
    assert any("cơ quan ban hành" in v and SENDER_NAME in v for v in verdicts), verdicts
    assert page.locator(".pdf-verdict.ok").count() == 2
    assert page.locator(".verdict.bad").count() == 0
    assert page.inner_text("#state") == "Đã đến"
    b.shot(f"{key}-B-received")
    return str(page.url)


def status_codes(a: Desk, outgoing_url: str, last: str) -> list[str]:
    """A's clerk on the outgoing document: the status codes the tracking table shows for H41,
    once ``last`` is among them."""
    page = a.page
    a.login("h25-clerk")
    page.goto(outgoing_url)
    page.wait_for_selector(f"#tracking li.status[data-code='{last}']")
    assert RECIPIENT in page.inner_text("#tracking")
    codes: list[str] = page.locator("#tracking li.status").evaluate_all(
        "items => items.map(i => i.dataset.code)"
    )
    return codes


def test_a_document_goes_from_install_a_to_install_b_and_is_completed(
    installs: TwoInstalls, desks: tuple[Desk, Desk], served_pki: Any, tmp_path: Path
) -> None:
    a, b = desks
    outgoing_url = send(a, served_pki, tmp_path, "a")

    incoming_url = receive(installs, b, "a")
    b.page.click("#register")
    assert b.page.inner_text("#arrival-number") == "01"
    assert b.page.inner_text("#state") == "Đã vào sổ"
    b.shot("a-B-registered")
    b.logout()

    page = b.page
    b.login("h41-leader")
    page.goto(incoming_url)
    page.select_option("#id_main", label="Specialist H41 (Chuyên viên)")
    page.fill("#id_deadline", "2030-12-31")
    page.fill("#id_instruction", "Đề nghị xử lý trước hạn")
    page.click("#assign")
    assert page.inner_text("#state") == "Đã phân công"
    b.shot("a-B-assigned")
    b.logout()

    b.login("h41-specialist")
    page.goto(incoming_url)
    page.fill("#id_text", "Đã họp triển khai")
    page.click("#progress")
    assert page.inner_text("#state") == "Đang xử lý"
    page.fill("#id_result", "Đã triển khai xong")
    page.click("#complete")
    assert page.inner_text("#state") == "Hoàn thành"
    b.shot("a-B-completed")
    b.logout()

    # Back on install A: every status H41 sent, through the hub.
    assert status_codes(a, outgoing_url, "06") == ["01", "03", "04", "05", "06"]
    a.shot("a-A-tracking")
    a.logout()


def test_install_b_refuses_a_document_with_a_reason(
    installs: TwoInstalls, desks: tuple[Desk, Desk], served_pki: Any, tmp_path: Path
) -> None:
    a, b = desks
    reason = "Văn bản không thuộc thẩm quyền giải quyết của Ủy ban nhân dân tỉnh Nghệ An"
    outgoing_url = send(a, served_pki, tmp_path, "b")

    receive(installs, b, "b")
    page = b.page
    refuse = page.locator("form:has(#refuse)")
    refuse.locator("textarea[name=reason]").fill(reason)
    refuse.locator("#refuse").click()
    assert page.inner_text("#state") == "Đã từ chối"
    assert reason in page.inner_text("dl.facts")
    b.shot("b-B-refused")
    b.logout()

    codes = status_codes(a, outgoing_url, "02")
    assert codes[-1] == "02" and "03" not in codes, codes
    assert reason in a.page.inner_text("#tracking li.status[data-code='02']")
    a.shot("b-A-tracking-refused")
    a.logout()


def test_install_a_takes_a_sent_document_back(
    installs: TwoInstalls, desks: tuple[Desk, Desk], served_pki: Any, tmp_path: Path
) -> None:
    a, b = desks
    reason = "Văn bản ban hành sai thể thức, sẽ thay thế bằng văn bản khác"
    outgoing_url = send(a, served_pki, tmp_path, "c")

    incoming_url = receive(installs, b, "c")
    b.page.click("#register")
    arrival = b.page.inner_text("#arrival-number")
    assert arrival not in ("", "—")
    b.logout()

    # A's clerk takes it back, with a reason.
    page = a.page
    a.login("h25-clerk")
    page.goto(outgoing_url)
    revoke = page.locator("form:has(#revoke)")
    revoke.locator("textarea[name=reason]").fill(reason)
    revoke.locator("#revoke").click()
    assert page.inner_text("#state") == "Đã thu hồi"
    assert reason in page.inner_text("body")
    a.shot("c-A-revoked")
    a.logout()

    # B's worker pulls the take-back: the document is frozen there, its record kept.
    installs.b.ok("worker", "--once")
    page = b.page
    b.login("h41-clerk")
    assert SUBJECTS["c"] in page.inner_text("main")
    page.goto(incoming_url)
    frozen = page.inner_text(".badge.frozen")
    assert "Đã bị bên gửi thu hồi" in frozen and "Bên gửi đề nghị thu hồi" in frozen, frozen
    assert reason in page.inner_text("dl.facts")
    assert page.inner_text("#arrival-number") == arrival
    assert page.inner_text("#state") == "Đã vào sổ"
    b.shot("c-B-frozen")

    # B's clerk agrees: it stays frozen, the record stays, and A hears back (15).
    answer = page.locator("form:has(#answer-revoke)")
    answer.locator("select[name=agree]").select_option("1")
    answer.locator("#answer-revoke").click()
    frozen = page.inner_text(".badge.frozen")
    assert "Đã đồng ý thu hồi" in frozen, frozen
    assert page.inner_text("#arrival-number") == arrival
    b.shot("c-B-revoke-agreed")
    page.goto(b.url("/incoming/"))
    row = page.locator("tr", has_text=SUBJECTS["c"]).inner_text()
    assert arrival in row and "Đã vào sổ" in row and "bị thu hồi" in row, row
    b.shot("c-B-incoming-list")
    b.logout()

    assert "15" in status_codes(a, outgoing_url, "15")
    a.shot("c-A-tracking-revoke-agreed")
    a.logout()
