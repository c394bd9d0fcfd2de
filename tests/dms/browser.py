"""Shared by the browser tests: Debian's chromium under Playwright (never a downloaded browser),
the screenshot folder, an agency with a user per role on a live dms install, and a desk (one
browser page on one install) that logs users in and out and takes numbered screenshots."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
PASSWORD = "mat-khau-123"
VIEWPORT = {"width": 1366, "height": 900}


def artifacts_dir(*parts: str) -> Path:
    """``$LIENTHONG_TEST_ARTIFACTS/dms/<parts>`` (default root ``var/test-artifacts``), made."""
    root = Path(os.environ.get("LIENTHONG_TEST_ARTIFACTS", "var/test-artifacts"))
    directory = root.joinpath("dms", *parts)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian chromium (a missing one is a missing service, as elsewhere)."""
    if not CHROMIUM.exists():
        from tests.conftest import missing_service

        missing_service("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def host_agency(
    dms: Any, pki: Any, code: str, name: str, *, hub_url: str, credentials: tuple[str, str]
) -> None:
    """Create the agency on a live dms (``tests.dms.live_dms.LiveDms``) with a clerk, a leader
    (personal certificate, "Phó Chủ tịch") and a specialist: ``<h25>-<role>``, PASSWORD, full
    name ``<Role> <H25>``."""
    credential = pki.agencies[code]
    client_id, secret = credentials
    dms.ok(
        "createagency",
        code,
        "--name",
        name,
        "--hub",
        hub_url,
        "--client-id",
        client_id,
        "--client-secret",
        secret,
        "--notation",
        "UBND",
        "--p12",
        credential.p12,
        "--p12-password",
        credential.p12_password,
    )
    prefix = code.rsplit(".", 1)[-1].lower()
    for role in ("clerk", "leader", "specialist"):
        extra: list[str] = []
        if role == "leader":
            extra = ["--p12", str(pki.persons[code].p12), "--position", "Phó Chủ tịch"]
        dms.ok(
            "createuser",
            f"{prefix}-{role}",
            "--agency",
            code,
            "--role",
            role,
            "--password",
            PASSWORD,
            "--full-name",
            f"{role.title()} {prefix.upper()}",
            *extra,
        )


class Screens:
    """Numbered full-page screenshots in one folder: ``01-draft.png``, ``02-approved.png``…"""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._numbers = itertools.count(1)

    def take(self, page: Any, name: str) -> Path:
        path = self.directory / f"{next(self._numbers):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


class Desk:
    """One browser page on one dms install."""

    def __init__(self, page: Any, base_url: str, screens: Screens) -> None:
        self.page = page
        self.base_url = base_url
        self.screens = screens

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def login(self, username: str) -> None:
        """Log in through the form, the password confirmed with Enter; lands on the incoming
        list."""
        page = self.page
        page.goto(self.url("/login/"))
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")
        page.wait_for_url(self.url("/incoming/"))

    def logout(self) -> None:
        self.page.click("header.top .who button")
        self.page.wait_for_url(self.url("/login/"))

    def shot(self, name: str) -> Path:
        return self.screens.take(self.page, name)
