"""`lienthong pdf sign|verify` end to end, as a clerk's script runs it: real files from the test
PKI, its server answering OCSP, CRL and TSA requests. The command runs in this process (the
import alone costs two seconds a process); one check runs it as a separate process."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from lienthong.cli import app

from .conftest import SIGNATURE_GAP, ServedPki


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str


def run(*args: str | Path) -> Done:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Done(result.exit_code, result.stdout)


def run_json(*args: str | Path) -> tuple[int, Any]:
    done = run(*args, "--json")
    return done.returncode, json.loads(done.stdout)


def sign_args(pki: ServedPki, source: Path, out: Path, role: str) -> list[str | Path]:
    credential = pki.person if role == "person" else pki.agency
    return [
        "pdf", "sign", source, "-o", out, "--role", role,
        "--p12", credential.p12, "--p12-password", credential.p12_password,
        "--level", "B-LT", "--tsa", pki.info.tsa_url, "--trust", pki.info.root,
    ]  # fmt: skip


def test_person_then_agency_sign_and_verify_exits_0(
    pki: ServedPki, decision_pdf: bytes, signature_png: Path, seal_png: Path, tmp_path: Path
) -> None:
    source = tmp_path / "Quyết định 15.pdf"
    source.write_bytes(decision_pdf)
    by_person, by_both = tmp_path / "person.pdf", tmp_path / "both.pdf"
    box = ",".join(str(v) for v in (SIGNATURE_GAP.x1, SIGNATURE_GAP.y1, SIGNATURE_GAP.x2, 190))
    code, signed = run_json(
        *sign_args(pki, source, by_person, "person"), "--image", signature_png, "--box", box
    )
    assert code == 0, signed
    assert (signed["level"], signed["role"], signed["field"]) == (
        "B-LT",
        "person",
        "person-signature-1",
    )
    code, signed = run_json(*sign_args(pki, by_person, by_both, "agency"), "--image", seal_png)
    assert code == 0, signed

    code, report = run_json("pdf", "verify", by_both, "--trust", pki.info.root)
    assert code == 0, report
    assert report["valid"] is True
    assert [s["role"] for s in report["signatures"]] == ["person", "agency"]
    assert all(s["valid"] and s["trusted"] for s in report["signatures"])

    # As a separate process, human-readable.
    shown = subprocess.run(
        [sys.executable, "-m", "lienthong", "pdf", "verify", by_both, "--trust", pki.info.root],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "person-signature-1" in shown.stdout and "agency-signature-1" in shown.stdout
    assert "valid: 2 signature(s)" in shown.stdout


def test_verify_under_another_root_exits_1_with_the_reason(
    pki: ServedPki, decision_pdf: bytes, other_root: Path, tmp_path: Path
) -> None:
    source, signed = tmp_path / "in.pdf", tmp_path / "signed.pdf"
    source.write_bytes(decision_pdf)
    assert run_json(*sign_args(pki, source, signed, "person"))[0] == 0
    code, report = run_json("pdf", "verify", signed, "--trust", other_root)
    assert code == 1
    assert report["valid"] is False
    (signature,) = report["signatures"]
    assert signature["trusted"] is False
    assert any("trust anchor" in p for p in signature["problems"])


def test_sign_with_the_tsa_down_fails_and_writes_no_file(
    pki: ServedPki, decision_pdf: bytes, tmp_path: Path
) -> None:
    source, out = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(decision_pdf)
    with pki.outage("tsa"):
        code, failure = run_json(*sign_args(pki, source, out, "person"))
    assert code != 0
    assert failure["error"]["code"] == "tsa-unavailable"
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [source]  # no temporary file left either


def test_two_key_forms_at_once_is_a_usage_error(
    pki: ServedPki, decision_pdf: bytes, tmp_path: Path
) -> None:
    source = tmp_path / "in.pdf"
    source.write_bytes(decision_pdf)
    code, failure = run_json(
        *sign_args(pki, source, tmp_path / "out.pdf", "person"),
        "--key", pki.person.key, "--cert", pki.person.cert,
    )  # fmt: skip
    assert code == 2
    assert failure["error"]["code"] == "key-invalid"


def test_verify_a_file_that_is_not_a_pdf_exits_1(pki: ServedPki, tmp_path: Path) -> None:
    junk = tmp_path / "not.pdf"
    junk.write_bytes(b"this is not a PDF at all")
    code, failure = run_json("pdf", "verify", junk, "--trust", pki.info.root)
    assert code == 1
    assert failure["error"]["code"] == "pdf-invalid"
