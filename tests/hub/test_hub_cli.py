"""``lienthong hub …`` as an operator runs it: real processes, one data directory, one database.

Every command here runs in a subprocess against a hub of its own (``tests/hub/live.py``), never
against pytest-django's test database.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..edxml.pki import Pki
from .conftest import GOV_OFFICE, HA_NOI, NGHE_AN
from .live import Hub, hub_instance

ENTERPRISE = "000.00.12.H41"


@dataclass
class Registered:
    hub: Hub
    migrated: Any
    agencies: list[Any]
    system: Any
    anchors: Any


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[Registered]:
    """A hub set up as an operator would: migrate, two agencies, a system, a trust anchor."""
    with hub_instance(tmp_path_factory.mktemp("hub"), migrate=False) as hub:
        migrated = hub.ok("migrate")
        agencies = [
            hub.ok("agency", "add", GOV_OFFICE, "--name", "Văn phòng Chính phủ"),
            hub.ok("agency", "add", NGHE_AN, "--name", "UBND tỉnh Nghệ An", "--code-d20", "H41"),
        ]
        system = hub.ok("system", "add", "tinh-nghe-an", "--agency", NGHE_AN)
        anchors = hub.ok("trust", "add", pki.root_pem_path)
        yield Registered(hub, migrated, agencies, system, anchors)


@pytest.fixture
def unmigrated(tmp_path: Path) -> Iterator[Hub]:
    with hub_instance(tmp_path / "hub", migrate=False) as hub:
        yield hub


def test_migrate_applies_the_schema_and_makes_the_hub_certificate(registered: Registered) -> None:
    assert registered.migrated["applied"]
    certificate = Path(registered.migrated["hub_certificate"])
    assert certificate == registered.hub.data_dir / "hub" / "hub-cert.pem"
    assert certificate.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


def test_migrate_again_changes_nothing(registered: Registered) -> None:
    again = registered.hub.ok("migrate")
    assert again["applied"] == []
    assert again["hub_certificate"] == registered.migrated["hub_certificate"]


def test_agency_add_answers_with_the_registered_agency(registered: Registered) -> None:
    office, province = registered.agencies
    assert office == {
        "code": GOV_OFFICE,
        "code_d20": None,
        "name": "Văn phòng Chính phủ",
        "parent": None,
        "level": 1,
        "kind": "state",
        "status": "active",
        "email": "",
    }
    assert province["code_d20"] == "H41"


def test_agency_list_json_lists_every_agency(registered: Registered) -> None:
    listed = registered.hub.ok("agency", "list")["agencies"]
    assert {GOV_OFFICE, NGHE_AN} <= {a["code"] for a in listed}
    assert set(listed[0]) == {
        "code",
        "code_d20",
        "name",
        "parent",
        "level",
        "kind",
        "status",
        "email",
    }


def test_system_add_prints_the_client_id_and_secret_once(registered: Registered) -> None:
    created = registered.system
    assert {"client_id", "client_secret"} <= set(created)
    assert created["agencies"] == [NGHE_AN]
    listed = registered.hub.ok("system", "list")["systems"]
    row = next(s for s in listed if s["name"] == "tinh-nghe-an")
    assert row["client_id"] == created["client_id"]
    assert created["client_secret"] not in json.dumps(listed)


def test_a_system_may_be_named_by_an_agency_code_in_either_form(registered: Registered) -> None:
    created = registered.hub.ok("system", "add", "tinh-d20", "--agency", "H41")
    assert created["agencies"] == [NGHE_AN]
    assert "webhook_secret" not in created


def test_a_system_with_a_webhook_gets_its_webhook_secret_once(registered: Registered) -> None:
    created = registered.hub.ok(
        "system", "add", "vpcp", "--agency", GOV_OFFICE, "--webhook", "https://vpcp.example/hook"
    )
    assert created["webhook_secret"]
    listed = registered.hub.ok("system", "list")["systems"]
    assert created["webhook_secret"] not in json.dumps(listed)
    assert {s["name"]: s["webhook_url"] for s in listed}["vpcp"] == "https://vpcp.example/hook"


def test_trust_add_and_list_show_the_root(registered: Registered, pki: Pki) -> None:
    (anchor,) = registered.anchors["anchors"]
    listed = registered.hub.ok("trust", "list")["anchors"]
    assert [a["fingerprint"] for a in listed] == [anchor["fingerprint"]]
    assert listed[0]["subject"] == anchor["subject"]


def test_a_reissued_secret_is_shown_once_for_the_same_client_id(registered: Registered) -> None:
    hub = registered.hub
    created = hub.ok("system", "add", "tinh-reissue", "--agency", NGHE_AN)
    reissued = hub.ok("system", "reissue-secret", "tinh-reissue")
    assert reissued["client_id"] == created["client_id"]
    assert reissued["client_secret"] not in ("", created["client_secret"])
    assert reissued["client_secret"] not in json.dumps(hub.ok("system", "list"))

    code, answer = hub.cli_json("system", "reissue-secret", "no-such-system")
    assert (code, answer["error"]["code"]) == (1, "not-found")


def test_a_trust_anchor_is_removed_by_its_fingerprint(registered: Registered, pki: Pki) -> None:
    hub = registered.hub
    (intermediate,) = hub.ok("trust", "add", pki.chain_path)["anchors"]
    removed = hub.ok("trust", "remove", intermediate["fingerprint"][:10])["removed"]
    assert removed == intermediate
    listed = [a["fingerprint"] for a in hub.ok("trust", "list")["anchors"]]
    assert intermediate["fingerprint"] not in listed
    assert len(listed) == 1  # the root stays

    for given, code in (("abc", "value-invalid"), ("00000000", "not-found")):
        status, answer = hub.cli_json("trust", "remove", given)
        assert (status, answer["error"]["code"]) == (1, code)


def test_counts_kept_before_the_hub_are_imported_once_and_shown_by_stats(
    registered: Registered, tmp_path: Path
) -> None:
    hub = registered.hub
    history = tmp_path / "history.csv"
    history.write_text(
        "agency,month,kind,direction,count\n"
        f"{GOV_OFFICE},2019-03,edoc,sent,1200\n"
        f"{GOV_OFFICE},2019-12,edoc,sent,2400\n"
        f"{NGHE_AN},2019-03,edoc,received,900\n",
        encoding="utf-8",
    )
    imported = hub.ok("stats-import", history)
    assert (imported["cells"], imported["documents"]) == (3, 4500)
    assert (imported["from"], imported["to"]) == ("2019-03", "2019-12")
    again = hub.ok("stats-import", history)  # a file imported twice counts once
    assert again["documents"] == 4500
    months = hub.ok("stats", "--from", "2019-01", "--to", "2019-12")["items"]
    assert months == [
        {"month": "2019-03", "sent": 1200, "received": 900},
        {"month": "2019-12", "sent": 2400, "received": 0},
    ]
    assert hub.ok("audit", "verify")["ok"] is True


def test_a_history_file_with_any_wrong_row_imports_nothing(
    registered: Registered, tmp_path: Path
) -> None:
    hub = registered.hub
    this_month = dt.date.today().isoformat()[:7]
    history = tmp_path / "history.csv"
    history.write_text(
        "agency,month,kind,direction,count\n"
        f"{GOV_OFFICE},2018-01,edoc,sent,5\n"  # a good row: not imported either
        "000.00.00.H99,2018-02,edoc,sent,5\n"
        f"{GOV_OFFICE},2018-13,edoc,sent,5\n"
        f"{GOV_OFFICE},{this_month},edoc,sent,5\n"
        f"{GOV_OFFICE},2018-03,edoc,sent,many\n",
        encoding="utf-8",
    )
    code, answer = hub.cli_json("stats-import", history)
    assert (code, answer["error"]["code"]) == (1, "value-invalid")
    for line in ("line 3", "line 4", "line 5", "line 6"):
        assert line in answer["error"]["message"]
    assert "line 2" not in answer["error"]["message"]
    assert hub.ok("stats", "--from", "2018-01", "--to", "2018-12")["items"] == []


def test_an_enterprise_joins_pending_and_is_active_once_approved(registered: Registered) -> None:
    hub = registered.hub
    added = hub.ok("agency", "add", ENTERPRISE, "--name", "Công ty X", "--kind", "enterprise")
    assert added["status"] == "pending"
    approved = hub.ok("agency", "approve", ENTERPRISE)
    assert (approved["previous"], approved["status"], approved["changed"]) == (
        "pending",
        "active",
        True,
    )
    assert hub.ok("agency", "approve", ENTERPRISE)["changed"] is False


def test_a_closed_agency_cannot_be_approved(registered: Registered) -> None:
    hub = registered.hub
    hub.ok("agency", "add", HA_NOI, "--name", "UBND thành phố Hà Nội")
    assert hub.ok("agency", "suspend", HA_NOI)["status"] == "suspended"
    assert hub.ok("agency", "close", HA_NOI)["status"] == "closed"
    code, answer = hub.cli_json("agency", "approve", HA_NOI)
    assert code == 1
    assert answer["error"]["code"] == "agency-status-conflict"


def test_audit_verify_finds_the_chain_intact(registered: Registered) -> None:
    report = registered.hub.ok("audit", "verify")
    assert report["ok"] is True
    assert report["entries"] >= 4  # two agencies, a system, an anchor
    assert report["first_bad_seq"] is None
    assert report["checkpoints"] == 0  # none signed yet: the worker signs them


def test_audit_verify_names_the_first_changed_entry(registered: Registered) -> None:
    hub = registered.hub
    hub.sql("UPDATE audit_auditentry SET actor = ? WHERE seq = 2", ["intruder"])
    try:
        code, report = hub.cli_json("audit", "verify")
        text = hub.cli("audit", "verify")
    finally:
        hub.sql("UPDATE audit_auditentry SET actor = ? WHERE seq = 2", ["operator"])
    assert code == 1
    assert (report["ok"], report["first_bad_seq"]) == (False, 2)
    assert text.returncode == 1
    assert "entry 2" in text.stderr


# --- refusals ----------------------------------------------------------------------------------


def test_operator_add_refuses_a_weak_password(registered: Registered) -> None:
    code, answer = registered.hub.cli_json("operator", "add", "ops", "--password", "12345678")
    assert (code, answer["error"]["code"]) == (1, "password-weak"), answer


def test_an_operator_is_added_once_and_audited(registered: Registered) -> None:
    password = "màu-xanh-lá-cây-2026"
    assert registered.hub.ok("operator", "add", "truc.ban", "--password", password) == {
        "username": "truc.ban",
        "console": "/admin/",
    }
    code, answer = registered.hub.cli_json("operator", "add", "truc.ban", "--password", password)
    assert (code, answer["error"]["code"]) == (1, "registry-conflict"), answer
    assert registered.hub.ok("audit", "verify")["ok"] is True


def test_a_bad_agency_code_is_exit_1_agency_code_invalid(registered: Registered) -> None:
    code, answer = registered.hub.cli_json("agency", "add", "000.00.00.g22", "--name", "x")
    assert code == 1
    assert answer["error"]["code"] == "agency-code-invalid"


def test_an_agency_registered_twice_is_a_conflict(registered: Registered) -> None:
    code, answer = registered.hub.cli_json("agency", "add", GOV_OFFICE, "--name", "again")
    assert (code, answer["error"]["code"]) == (1, "registry-conflict")


def test_an_unknown_agency_is_not_found(registered: Registered) -> None:
    code, answer = registered.hub.cli_json("agency", "suspend", "000.00.00.H99")
    assert (code, answer["error"]["code"]) == (1, "not-found")


def test_a_webhook_must_be_an_http_url(registered: Registered) -> None:
    code, answer = registered.hub.cli_json(
        "system", "add", "y", "--agency", GOV_OFFICE, "--webhook", "file:///etc/passwd"
    )
    assert (code, answer["error"]["code"]) == (1, "webhook-invalid")


def test_an_unmigrated_database_is_exit_2_with_the_hint(unmigrated: Hub) -> None:
    code, answer = unmigrated.cli_json("agency", "list")
    assert code == 2
    assert answer["error"]["code"] == "database-not-migrated"
    assert "lienthong hub migrate" in answer["error"]["message"]
    assert not (unmigrated.data_dir / "hub.sqlite3").exists()  # nothing left behind


def test_an_unreachable_database_is_exit_2(tmp_path: Path) -> None:
    hub = Hub(tmp_path, "postgresql://nobody@127.0.0.1:1/nothing")
    code, answer = hub.cli_json("agency", "list")
    assert (code, answer["error"]["code"]) == (2, "database-unavailable")


def test_an_unknown_database_scheme_is_exit_2(tmp_path: Path) -> None:
    hub = Hub(tmp_path, "mongodb://127.0.0.1/x")
    code, answer = hub.cli_json("agency", "list")
    assert (code, answer["error"]["code"]) == (2, "hub-misconfigured")


# --- serve and worker --------------------------------------------------------------------------


def test_serve_refuses_an_address_other_machines_reach_without_public(tmp_path: Path) -> None:
    done = Hub(tmp_path, None).cli("serve", "--host", "0.0.0.0")
    assert done.returncode == 2
    assert "--public" in done.stderr


def test_serve_refuses_an_unmigrated_database(unmigrated: Hub) -> None:
    done = unmigrated.cli("serve", "--port", "1")
    assert done.returncode == 2
    assert "lienthong hub migrate" in done.stderr


def test_the_worker_stops_cleanly_on_sigterm(registered: Registered, tmp_path: Path) -> None:
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "lienthong", "hub", "worker", "--interval", "0.2"],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=registered.hub.env,
        )
    try:
        deadline = time.monotonic() + 60
        while "pass done" not in log_path.read_text() and time.monotonic() < deadline:
            assert worker.poll() is None, log_path.read_text()
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(15) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    log = log_path.read_text()
    events = [json.loads(line) for line in log.splitlines()]  # JSON lines, every one
    assert {e["logger"] for e in events} == {"lienthong.hub.worker"}
    said = [e["event"] for e in events]
    assert said[0].startswith("worker: started")
    assert any("signed an audit checkpoint" in text for text in said)
    assert said[-2:] == ["worker: SIGTERM received, stopping", "worker: stopped"]
    assert all({"timestamp", "level"} <= set(e) for e in events)
    assert registered.hub.ok("audit", "verify")["checkpoints"] >= 1


# --- receipts, offline -------------------------------------------------------------------------


@pytest.fixture
def receipt(registered: Registered, tmp_path: Path) -> Path:
    """A receipt signed with this hub's key, as POST /api/v1/messages returns it."""
    from lienthong.hub.exchange.receipts import hub_identity

    signed = hub_identity(registered.hub.data_dir / "hub").sign(
        {"message_id": "m-1", "sha256": "ab" * 32, "sender": GOV_OFFICE, "size": 3}
    )
    path = tmp_path / "answer.json"
    path.write_text(json.dumps({"id": "m-1", "receipt": signed, "recipients": [NGHE_AN]}))
    return path


def test_receipt_verify_accepts_the_hubs_receipt(registered: Registered, receipt: Path) -> None:
    answer = registered.hub.ok("receipt", "verify", receipt)
    assert answer["ok"] is True
    assert answer["message_id"] == "m-1"


def test_receipt_verify_refuses_a_changed_receipt(registered: Registered, receipt: Path) -> None:
    changed = json.loads(receipt.read_text())
    changed["receipt"]["data"]["sender"] = NGHE_AN
    receipt.write_text(json.dumps(changed))
    code, answer = registered.hub.cli_json("receipt", "verify", receipt)
    assert (code, answer["ok"]) == (1, False)


def test_receipt_verify_refuses_another_hubs_certificate(
    registered: Registered, receipt: Path, pki: Pki
) -> None:
    code, answer = registered.hub.cli_json(
        "receipt", "verify", receipt, "--cert", pki.root_pem_path
    )
    assert (code, answer["ok"]) == (1, False)


def test_receipt_verify_without_a_hub_certificate_is_exit_2(receipt: Path, tmp_path: Path) -> None:
    code, answer = Hub(tmp_path / "elsewhere", None).cli_json("receipt", "verify", receipt)
    assert (code, answer["error"]["code"]) == (2, "hub-certificate-missing")


def test_receipt_verify_refuses_what_is_not_json(registered: Registered, tmp_path: Path) -> None:
    path = tmp_path / "garbage.json"
    path.write_bytes(b"\x00not json")
    code, answer = registered.hub.cli_json("receipt", "verify", path)
    assert (code, answer["error"]["code"]) == (1, "receipt-malformed")


# --- the rest of the command line stays light ---------------------------------------------------


def test_edxml_commands_do_not_load_django() -> None:
    probe = (
        "import sys\n"
        "from lienthong.cli import app\n"
        "try:\n"
        "    app(['edxml', 'inspect', '/nonexistent.edxml'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr


def test_the_command_line_offers_the_registrys_kinds_and_statuses() -> None:
    from lienthong.hub.registry.models import Agency
    from lienthong.hub_cli import AgencyKind, AgencyStatus

    assert {k.value for k in AgencyKind} == set(Agency.Kind.values)
    assert {s.value for s in AgencyStatus} == set(Agency.Status.values)
