"""``lienthong send | inbox | fetch | ack`` end to end: the command in a subprocess, the hub a real
server, the connection settings from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from lienthong.edxml import parse
from lienthong.edxml.model import EdocMessage
from lienthong.edxml.signing_key import SigningKey

from ..edxml.pki import Pki
from .conftest import Network, document
from .hub_server import Credentials, free_port


def lienthong(
    *args: str | Path,
    hub: str,
    credentials: Credentials,
    cwd: Path | None = None,
    environment: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    env |= {
        "LIENTHONG_HUB_URL": hub,
        "LIENTHONG_CLIENT_ID": credentials.client_id,
        "LIENTHONG_CLIENT_SECRET": credentials.client_secret,
        **(environment or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "lienthong", *map(str, args)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def answer(done: subprocess.CompletedProcess[str], exit_code: int = 0) -> Any:
    assert done.returncode == exit_code, (done.stdout, done.stderr)
    return json.loads(done.stdout)


def key_options(pki: Pki) -> list[str | Path]:
    return [
        "--key",
        pki.leaf_key_path,
        "--cert",
        pki.leaf_cert_path,
        "--chain",
        pki.chain_path,
    ]


def test_files_are_sent_signed_then_received_fetched_and_acknowledged(
    network: Network, pki: Pki, tmp_path: Path
) -> None:
    (tmp_path / "cong-van.pdf").write_bytes(b"%PDF-1.7 cong van")
    (tmp_path / "phu-luc.txt").write_text("Phụ lục", encoding="utf-8")
    hub = network.hub.url
    sent = answer(
        lienthong(
            "send",
            tmp_path / "cong-van.pdf",
            tmp_path / "phu-luc.txt",
            "--to",
            network.nghe_an,
            "--to",
            network.ha_noi,
            "--subject",
            "Về việc thử nghiệm",
            "--from",
            network.gov_office,
            "--code-number",
            "7",
            "--code-notation",
            "VPCP-TTĐT",
            "--type-name",
            "Công văn",
            *key_options(pki),
            "--json",
            hub=hub,
            credentials=network.sender,
        )
    )
    assert sent["recipients"] == [network.nghe_an, network.ha_noi]
    assert sent["receipt"]["data"]["recipients"] == sent["recipients"]

    items = answer(lienthong("inbox", "--json", hub=hub, credentials=network.receiver))["items"]
    assert {(i["message_id"], i["kind"], i["from"]) for i in items} == {
        (sent["id"], "edoc", network.gov_office)
    }

    out = tmp_path / "received.edxml"
    fetched = answer(
        lienthong("fetch", sent["id"], "-o", out, "--json", hub=hub, credentials=network.receiver)
    )
    assert fetched["sha256"] == items[0]["sha256"] == sent["receipt"]["data"]["sha256"]
    received = parse(out.read_bytes())
    assert received.signed
    assert isinstance(received.message, EdocMessage)
    assert received.message.subject == "Về việc thử nghiệm"
    assert [a.attachment_name for a in received.message.attachments] == [
        "cong-van.pdf",
        "phu-luc.txt",
    ]

    for item in items:
        acked = answer(
            lienthong("ack", item["delivery_id"], "--json", hub=hub, credentials=network.receiver)
        )
        assert acked == {"delivery_id": item["delivery_id"], "state": "delivered"}
    assert answer(lienthong("inbox", "--json", hub=hub, credentials=network.receiver)) == {
        "items": []
    }


def test_a_finished_edxml_file_is_sent_as_is_and_again_gets_the_first_receipt(
    network: Network, agency_key: SigningKey, tmp_path: Path
) -> None:
    path = tmp_path / "signed.edxml"
    path.write_bytes(document(agency_key, network))
    first = answer(
        lienthong(
            "send", "--edxml", path, "--json", hub=network.hub.url, credentials=network.sender
        )
    )
    again = lienthong("send", "--edxml", path, hub=network.hub.url, credentials=network.sender)
    assert again.returncode == 0, again.stderr
    assert f"already accepted {first['id']}" in again.stdout
    assert first["created"] is True


def test_a_refused_message_exits_1_with_the_hub_s_code(
    network: Network, pki: Pki, tmp_path: Path
) -> None:
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.7")
    refused = lienthong(
        "send",
        tmp_path / "a.pdf",
        "--to",
        "000.00.99.H99",
        "--subject",
        "x",
        "--from",
        network.gov_office,
        "--code-number",
        "8",
        *key_options(pki),
        "--json",
        hub=network.hub.url,
        credentials=network.sender,
    )
    error = answer(refused, exit_code=1)["error"]
    assert (error["code"], error["status"]) == ("recipient-unknown", 422)


def test_a_refused_delivery_is_acknowledged_with_fail_and_a_reason(
    network: Network, agency_key: SigningKey
) -> None:
    with network.client(network.sender) as sender, network.client(network.receiver) as receiver:
        message_id = sender.submit(document(agency_key, network, to=(network.nghe_an,))).id
        (item,) = receiver.inbox(kind="edoc")
        failed = lienthong(
            "ack",
            item.delivery_id,
            "--fail",
            "--reason",
            "nhầm địa chỉ",
            hub=network.hub.url,
            credentials=network.receiver,
        )
        assert failed.returncode == 0, failed.stderr
        assert failed.stdout.strip() == f"delivery {item.delivery_id}: failed"
        (recipient,) = sender.trace(message_id)["recipients"]
    assert (recipient["state"], recipient["reason"]) == ("failed", "nhầm địa chỉ")


def test_a_wrong_secret_exits_2_and_the_secret_is_never_shown(network: Network) -> None:
    wrong = Credentials(network.receiver.client_id, "s3cret-that-is-wrong")
    done = lienthong("inbox", hub=network.hub.url, credentials=wrong)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "(unauthorized)" in done.stderr
    assert "s3cret-that-is-wrong" not in done.stdout + done.stderr


def test_an_unreachable_hub_exits_2_as_retryable(network: Network) -> None:
    done = lienthong(
        "inbox",
        "--retries",
        "1",
        "--json",
        hub=f"http://127.0.0.1:{free_port()}",
        credentials=network.receiver,
    )
    error = answer(done, exit_code=2)["error"]
    assert (error["code"], error["attempts"]) == ("hub-unavailable", 2)


def send_finished_file_to_no_hub(
    tmp_path: Path, *options: str, environment: dict[str, str] | None = None
) -> Any:
    """``send --edxml`` to an address where no hub listens: the error it exits 2 with."""
    path = tmp_path / "signed.edxml"
    path.write_bytes(b"<edXML/>")
    done = lienthong(
        "send",
        "--edxml",
        path,
        "--retries",
        "0",
        *options,
        "--json",
        hub=f"http://127.0.0.1:{free_port()}",
        credentials=Credentials("system", "secret"),
        environment=environment,
    )
    return answer(done, exit_code=2)["error"]


def test_a_key_option_beside_a_finished_edxml_file_is_a_usage_error(tmp_path: Path) -> None:
    error = send_finished_file_to_no_hub(tmp_path, "--p12-password", "mat-khau")
    assert error["code"] == "usage" and "--edxml" in error["message"]


def test_a_password_exported_for_other_commands_is_not_a_key_option_given(
    tmp_path: Path,
) -> None:
    exported = {"LIENTHONG_P12_PASSWORD": "mat-khau", "LIENTHONG_PKCS11_PIN": "1234"}
    error = send_finished_file_to_no_hub(tmp_path, environment=exported)
    assert error["code"] == "hub-unavailable"  # it went as far as the hub


def test_missing_connection_settings_are_a_usage_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    done = subprocess.run(
        [sys.executable, "-m", "lienthong", "inbox", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    error = answer(done, exit_code=2)["error"]
    assert error["code"] == "usage"
    assert "LIENTHONG_HUB_URL" in error["message"]
