"""`lienthong edxml …` end to end, as an integrator runs it: real files, keys and processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .edxml.pki import Pki, make_pki
from .edxml.samples import SAMPLES


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lienthong", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_json(*args: str | Path) -> tuple[int, Any]:
    done = run(*args, "--json")
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def built(tmp_path: Path) -> Path:
    pdf = tmp_path / "Quyết định 15.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    out = tmp_path / "out.edxml"
    code, report = run_json(
        "edxml", "build", "--from", "000.00.00.G22", "--to", "000.00.00.H41",
        "--to", "000.00.00.H49", "--subject", "Về việc thử nghiệm", "--code-number", "15",
        "--code-notation", "QĐ-VPCP", "--type-name", "Quyết định",
        "--promulgation-date", "2026-11-25", "--attach", pdf, "-o", out,
    )  # fmt: skip
    assert code == 0, report
    assert report["document_id"] == "000.00.00.G22,2026/11/25,15/QĐ-VPCP"
    return out


def test_help_lists_the_edxml_commands() -> None:
    done = run("edxml", "--help")
    assert done.returncode == 0
    for command in ("inspect", "validate", "build", "sign", "verify", "extract"):
        assert command in done.stdout


def test_built_message_inspects_with_the_contract_keys(built: Path) -> None:
    code, info = run_json("edxml", "inspect", built)
    assert code == 0
    assert info["kind"] == "edoc"
    assert info["from"] == "000.00.00.G22"
    assert info["to"] == ["000.00.00.H41", "000.00.00.H49"]
    assert (info["code_number"], info["code_notation"]) == ("15", "QĐ-VPCP")
    assert info["subject"] == "Về việc thử nghiệm"
    assert info["business_type"] == "new"
    assert info["status_code"] is None and info["response_for"] is None
    assert info["attachments"] == [
        {"name": "Quyết định 15.pdf", "content_type": "application/pdf", "size": 9 + 256 * 40}
    ]
    assert info["warnings"] == []


def test_built_message_is_valid(built: Path) -> None:
    assert run_json("edxml", "validate", built) == (
        0,
        {"valid": True, "kind": "edoc", "problems": [], "warnings": []},
    )


def test_sign_then_verify_succeeds_and_names_the_signer(
    built: Path, pki: Pki, tmp_path: Path
) -> None:
    signed = tmp_path / "signed.edxml"
    done = run(
        "edxml", "sign", built, "--key", pki.leaf_key_path, "--cert", pki.leaf_cert_path,
        "--chain", pki.chain_path, "-o", signed,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    code, report = run_json("edxml", "verify", signed, "--trust", pki.root_pem_path)
    assert code == 0
    assert report["valid"] and report["trusted"]
    assert "Văn phòng Chính phủ" in report["signer"]
    assert report["signature_algorithm"] == "rsa-sha256"


def test_verify_with_another_root_exits_1_as_untrusted(
    built: Path, pki: Pki, tmp_path: Path
) -> None:
    signed = tmp_path / "signed.edxml"
    run(
        "edxml",
        "sign",
        built,
        "--key",
        pki.leaf_key_path,
        "--cert",
        pki.leaf_cert_path,
        "-o",
        signed,
    )
    other = make_pki(tmp_path / "other")
    code, report = run_json("edxml", "verify", signed, "--trust", other.root_pem_path)
    assert code == 1
    assert report["error"]["code"] == "signature-untrusted"


def test_verify_of_an_unsigned_message_exits_1(built: Path, pki: Pki) -> None:
    code, report = run_json("edxml", "verify", built, "--trust", pki.root_pem_path)
    assert (code, report["error"]["code"]) == (1, "signature-missing")


def test_extract_writes_the_attachment_intact(built: Path, tmp_path: Path) -> None:
    code, report = run_json("edxml", "extract", built, "-o", tmp_path / "files")
    assert code == 0
    [entry] = report["files"]
    assert Path(entry["path"]).read_bytes() == (tmp_path / "Quyết định 15.pdf").read_bytes()


def test_real_status_sample_inspects_as_status_03() -> None:
    code, info = run_json("edxml", "inspect", SAMPLES / "status_acceptance_03.edxml")
    assert code == 0
    assert (info["kind"], info["status_code"]) == ("status", "03")
    assert info["response_for"]["document_id"] == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"


def test_real_edoc_sample_is_invalid_with_every_problem_listed() -> None:
    code, report = run_json("edxml", "validate", SAMPLES / "edoc.edxml")
    assert code == 1
    assert report["valid"] is False
    assert [p["code"] for p in report["problems"]] == ["base64"]
    assert "undeclared-prefix" in [w["code"] for w in report["warnings"]]


def test_extracting_the_real_sample_says_its_attachment_is_not_base64(tmp_path: Path) -> None:
    code, report = run_json("edxml", "extract", SAMPLES / "edoc.edxml", "-o", tmp_path)
    assert code == 1
    assert report["error"]["code"] == "attachment-invalid"
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_not_xml_is_a_clear_error_without_traceback(tmp_path: Path) -> None:
    bogus = tmp_path / "x.edxml"
    bogus.write_bytes(b"%PDF-1.7")
    done = run("edxml", "inspect", bogus)
    assert done.returncode == 1
    assert "edxml-malformed" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    code, report = run_json("edxml", "inspect", tmp_path / "nope.edxml")
    assert (code, report["error"]["code"]) == (2, "file-not-found")


def test_bad_key_file_is_an_environment_error(built: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    code, report = run_json(
        "edxml", "sign", built, "--key", junk, "--cert", junk, "-o", tmp_path / "s.edxml"
    )
    assert (code, report["error"]["code"]) == (2, "key-invalid")
    assert not (tmp_path / "s.edxml").exists()


def test_invalid_build_input_is_refused_with_the_problems(tmp_path: Path) -> None:
    code, report = run_json(
        "edxml", "build", "--from", "g22", "--to", "000.00.00.H41", "--subject", "x",
        "--code-number", "1", "-o", tmp_path / "x.edxml",
    )  # fmt: skip
    assert code == 1
    assert report["error"]["code"] == "edxml-invalid"
    assert not (tmp_path / "x.edxml").exists()
