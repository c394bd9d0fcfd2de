"""``lienthong archive package`` and ``lienthong archive verify``: exit codes and JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from lienthong.cli import app

from .sample_dossier import dossier_folder, rezip


def run(*args: str | Path) -> tuple[int, Any]:
    result = CliRunner().invoke(app, ["archive", *[str(a) for a in args], "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_package_then_verify(tmp_path: Path) -> None:
    folder, meta = dossier_folder(tmp_path)
    out = tmp_path / "out" / "dossier.zip"
    code, made = run(
        "package",
        "--dir",
        folder,
        "--metadata",
        meta,
        "-o",
        out,
        "--created",
        "2025-04-01T08:00:00+07:00",
    )
    assert code == 0, made
    assert made["documents"] == 3
    assert made["package"].startswith("uuid-")
    code, report = run("verify", out)
    assert code == 0
    assert report["valid"] is True
    assert report["problems"] == []
    assert "CSIP71" in report["checked"]


def test_package_refuses_missing_fields_with_their_list(tmp_path: Path) -> None:
    folder, meta = dossier_folder(tmp_path)
    data = json.loads(meta.read_text(encoding="utf-8"))
    del data["dossier"]["fileCode"]
    del data["documents"][0]["codeNotation"]
    meta.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out.zip"
    code, shown = run("package", "--dir", folder, "--metadata", meta, "-o", out)
    assert code == 1
    assert shown["error"]["code"] == "metadata-missing"
    assert shown["error"]["missing"] == [
        "dossier.fileCode",
        "documents[0] (qd-0001.pdf).codeNotation",
    ]
    assert not out.exists()


def test_package_refuses_metadata_that_is_not_json(tmp_path: Path) -> None:
    folder, meta = dossier_folder(tmp_path)
    meta.write_text("{not json", encoding="utf-8")
    code, shown = run("package", "--dir", folder, "--metadata", meta, "-o", tmp_path / "o.zip")
    assert code == 1
    assert shown["error"]["code"] == "metadata-unreadable"


def test_verify_reports_problems_and_exits_1(tmp_path: Path) -> None:
    folder, meta = dossier_folder(tmp_path)
    out = tmp_path / "p.zip"
    assert run("package", "--dir", folder, "--metadata", meta, "-o", out)[0] == 0
    tampered = rezip(out, {"data/qd-0001.pdf": b"%PDF-1.7 forged"})
    code, report = run("verify", tampered)
    assert code == 1
    assert report["valid"] is False
    first = report["problems"][0]
    assert set(first) >= {"code", "where", "message"}
    assert any(p.get("requirement") == "CSIP71" for p in report["problems"])


def test_verify_of_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code, shown = run("verify", tmp_path / "nothing.zip")
    assert code == 2
    assert shown["error"]["code"] == "file-not-found"


def test_verify_of_something_that_is_no_package_exits_1(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    code, shown = run("verify", junk)
    assert code == 1
    assert shown["error"]["code"] == "package-unreadable"


def test_the_metadata_and_the_output_may_sit_in_the_documents_folder(tmp_path: Path) -> None:
    folder, meta = dossier_folder(tmp_path)
    inside = folder / "metadata.json"
    meta.rename(inside)
    code, made = run("package", "--dir", folder, "--metadata", inside, "-o", folder / "p.zip")
    assert code == 0, made
    assert made["documents"] == 3
