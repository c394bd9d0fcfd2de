"""``lienthong dms …``: install commands, and bad input reported in one line with exit 2."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .live_dms import LiveDms, fresh_dms_database
from .pki import RECIPIENT


@pytest.fixture
def dms(tmp_path: Path, served_pki: Any) -> Iterator[LiveDms]:
    with fresh_dms_database() as database_url:
        yield LiveDms(tmp_path / "dms", database_url, served_pki.root)


def test_an_agency_and_its_users_are_created_from_the_command_line(
    dms: LiveDms, served_pki: Any
) -> None:
    assert dms.ok("migrate")["applied"]
    assert dms.ok("migrate")["applied"] == []
    credential = served_pki.agencies[RECIPIENT]
    created = dms.ok(
        "createagency",
        RECIPIENT,
        "--name",
        "UBND tỉnh Nghệ An",
        "--hub",
        "http://127.0.0.1:9",
        "--client-id",
        "id",
        "--client-secret",
        "secret",
        "--p12",
        credential.p12,
        "--p12-password",
        credential.p12_password,
    )
    assert created["code"] == RECIPIENT
    user = dms.ok(
        "createuser", "vanthu", "--agency", RECIPIENT, "--role", "clerk", "--password", "12345678"
    )
    assert user == {"username": "vanthu", "agency": RECIPIENT, "role": "clerk"}


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            (
                "createagency",
                "not-a-code",
                "--name",
                "X",
                "--hub",
                "http://h",
                "--client-id",
                "a",
                "--client-secret",
                "b",
            ),
            "is not an agency code",
        ),
        (
            (
                "createagency",
                RECIPIENT,
                "--name",
                "X",
                "--hub",
                "ftp://h",
                "--client-id",
                "a",
                "--client-secret",
                "b",
            ),
            "must start with http",
        ),
        (
            (
                "createuser",
                "u",
                "--agency",
                "000.00.00.H99",
                "--role",
                "clerk",
                "--password",
                "12345678",
            ),
            "no agency 000.00.00.H99",
        ),
        (
            ("createuser", "u", "--agency", RECIPIENT, "--role", "clerk", "--password", "short"),
            "at least 8",
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(
    dms: LiveDms, args: tuple[str, ...], said: str
) -> None:
    dms.ok("migrate")
    if args[0] == "createuser" and RECIPIENT in args:
        dms.ok(
            "createagency",
            RECIPIENT,
            "--name",
            "X",
            "--hub",
            "http://h",
            "--client-id",
            "a",
            "--client-secret",
            "b",
        )
    done = dms.cli(*args)
    assert done.returncode == 2
    assert said in " ".join(done.stderr.split())


def test_a_command_on_an_unmigrated_database_says_what_to_do(dms: LiveDms) -> None:
    done = dms.cli(
        "createuser", "u", "--agency", RECIPIENT, "--role", "clerk", "--password", "x" * 8
    )
    assert done.returncode == 2
    assert "lienthong dms migrate" in " ".join(done.stderr.split())
