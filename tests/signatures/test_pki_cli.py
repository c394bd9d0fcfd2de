"""`lienthong pki …` end to end, as a developer runs it: real processes, files and a server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from lienthong.signatures.testpki import agency_code_of, holder_role_of

AGENCY_CODE = "000.00.00.H23"
INFO_KEYS = {"root", "tsa_url", "ocsp_url", "crl_url"}
CREDENTIAL_KEYS = {"key", "cert", "chain", "p12", "p12_password"}


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "lienthong", "pki", *map(str, args)]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), capture_output=True, text=True, timeout=60, check=False)


def run_json(*args: str | Path) -> tuple[int, Any]:
    done = run(*args, "--json")
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout)


def load(path: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(Path(path).read_bytes())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    code, info = run_json("init", tmp_path_factory.mktemp("cli") / "pki", "--port", "0")
    assert code == 0, info
    return dict(info)


@pytest.fixture(scope="module")
def agency(pki: dict[str, Any]) -> dict[str, Any]:
    code, credential = run_json(
        "issue", pki["directory"], "--agency", AGENCY_CODE, "--name", "UBND tỉnh Hà Giang"
    )
    assert code == 0, credential
    return dict(credential)


@pytest.fixture
def server(pki: dict[str, Any]) -> Iterator[None]:
    process = subprocess.Popen(
        command("serve", pki["directory"]), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", pki["port"]), timeout=0.2):
                    break
            except OSError:
                assert process.poll() is None, process.communicate()[1].decode()
                assert time.monotonic() < deadline, "lienthong pki serve did not start listening"
                time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_init_prints_the_root_and_the_loopback_addresses(pki: dict[str, Any]) -> None:
    assert pki.keys() >= INFO_KEYS
    assert load(pki["root"]).subject == load(pki["root"]).issuer
    base = f"http://127.0.0.1:{pki['port']}/"
    assert all(pki[k].startswith(base) for k in ("tsa_url", "ocsp_url", "crl_url"))


def test_init_on_an_existing_pki_says_it_exists(pki: dict[str, Any]) -> None:
    code, report = run_json("init", pki["directory"])
    assert code == 2
    assert report["error"]["code"] == "pki-error"
    assert "already exists" in report["error"]["message"]


def test_issue_agency_prints_the_credential_files(agency: dict[str, Any]) -> None:
    assert agency.keys() == CREDENTIAL_KEYS
    assert all(Path(agency[k]).is_file() for k in ("key", "cert", "chain", "p12"))
    cert = load(agency["cert"])
    assert (agency_code_of(cert), holder_role_of(cert)) == (AGENCY_CODE, "agency")


def test_issue_person_prints_the_credential_files(pki: dict[str, Any]) -> None:
    code, credential = run_json(
        "issue", pki["directory"], "--person", "Nguyễn Văn A", "--title", "Giám đốc",
        "--agency", AGENCY_CODE,
    )  # fmt: skip
    assert code == 0, credential
    assert credential.keys() == CREDENTIAL_KEYS
    cert = load(credential["cert"])
    assert (agency_code_of(cert), holder_role_of(cert)) == (AGENCY_CODE, "person")
    assert "Nguyễn Văn A" in cert.subject.rfc4514_string()


def test_issue_in_a_folder_that_is_not_a_pki_is_a_clear_pki_error(tmp_path: Path) -> None:
    code, report = run_json("issue", tmp_path, "--agency", AGENCY_CODE, "--name", "Sở Nội vụ")
    assert code == 2
    assert report["error"]["code"] == "pki-error"
    assert "not a test PKI folder" in report["error"]["message"]
    assert list(tmp_path.iterdir()) == []


def test_issue_without_a_name_or_a_person_is_a_usage_error(pki: dict[str, Any]) -> None:
    code, report = run_json("issue", pki["directory"], "--agency", AGENCY_CODE)
    assert code == 2
    assert report["error"]["code"] == "usage"


def test_a_revoke_shows_in_the_crl_of_a_running_server(
    pki: dict[str, Any], agency: dict[str, Any], server: None
) -> None:
    serial = load(agency["cert"]).serial_number

    def listed() -> bool:
        with urllib.request.urlopen(pki["crl_url"], timeout=10) as response:
            crl = x509.load_der_x509_crl(response.read())
        return crl.get_revoked_certificate_by_serial_number(serial) is not None

    assert not listed()
    code, report = run_json("revoke", pki["directory"], "--cert", agency["cert"])
    assert code == 0, report
    assert report["reason"] == "key_compromise"
    assert listed()
