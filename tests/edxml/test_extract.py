"""Attachments come out of a message into a folder whole, streamed, or not at all."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from lienthong.edxml import Organization, build
from lienthong.edxml.compose import NewFile, new_edoc
from lienthong.edxml.errors import AttachmentError
from lienthong.edxml.extract import extract_attachments
from lienthong.edxml.model import Code

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 100


def _message(*files: NewFile) -> bytes:
    return build(
        new_edoc(
            sender=Organization("000.00.00.G22"),
            recipients=[Organization("000.00.00.H41")],
            subject="Tệp đính kèm",
            code=Code("1", "VPCP"),
            files=list(files),
        )
    )


def _zip(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_each_attachment_is_written_under_its_name(tmp_path: Path) -> None:
    data = _message(
        NewFile("Quyết định.pdf", "application/pdf", PDF), NewFile("b.txt", "text/plain", b"hi")
    )
    written = extract_attachments(io.BytesIO(data), tmp_path)
    assert [f.name for f in written] == ["Quyết định.pdf", "b.txt"]
    assert (tmp_path / "Quyết định.pdf").read_bytes() == PDF
    assert written[0].sha256 == hashlib.sha256(PDF).hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Quyết định.pdf", "b.txt"]


def test_zip_wrapped_attachment_is_unwrapped_on_request(tmp_path: Path) -> None:
    data = _message(NewFile("goi.zip", "application/zip", _zip(**{"van-ban.pdf": PDF})))
    written = extract_attachments(data, tmp_path, unzip=True)
    assert [f.name for f in written] == ["van-ban.pdf"]
    assert written[0].path.read_bytes() == PDF


def test_zip_stays_a_zip_without_the_request(tmp_path: Path) -> None:
    data = _message(NewFile("goi.zip", "application/zip", _zip(a=b"x")))
    assert [f.name for f in extract_attachments(data, tmp_path)] == ["goi.zip"]


def test_a_bad_second_attachment_leaves_nothing_behind(tmp_path: Path) -> None:
    data = _message(
        NewFile("a.pdf", "application/pdf", PDF), NewFile("b.pdf", "application/pdf", b"%PDF")
    )
    broken = data.replace(b"JVBERg==", b"JVBERg=!")  # base64 of "%PDF", damaged
    assert broken != data
    with pytest.raises(AttachmentError):
        extract_attachments(broken, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"mine")
    with pytest.raises(AttachmentError, match="exists"):
        extract_attachments(_message(NewFile("a.pdf", "application/pdf", PDF)), tmp_path)
    assert (tmp_path / "a.pdf").read_bytes() == b"mine"
