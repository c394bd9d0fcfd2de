"""Specifications of attachment decoding, naming and ZIP unwrapping."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import pathlib
import struct
import time
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lienthong.edxml.attachments import (
    base64_decoded_size,
    decode_base64_stream,
    is_zip,
    safe_attachment_name,
    unwrap_zip,
)
from lienthong.edxml.errors import AttachmentError, TooLargeError
from lienthong.edxml.limits import Limits

MiB = 1024 * 1024


def wrap(text: str, width: int = 76, newline: str = "\r\n") -> str:
    return newline.join(text[i : i + width] for i in range(0, len(text), width))


def split_at(text: str, cuts: list[int]) -> list[str]:
    bounds = sorted({min(c, len(text)) for c in cuts})
    return [text[a:b] for a, b in zip([0, *bounds], [*bounds, len(text)], strict=True)]


def decode(chunks: list[str] | list[bytes], max_bytes: int = 10 * MiB) -> bytes:
    out = io.BytesIO()
    decode_base64_stream(chunks, out, max_bytes=max_bytes)
    return out.getvalue()


# --- base64 -------------------------------------------------------------------------------------


@given(
    data=st.binary(max_size=3000),
    width=st.integers(min_value=1, max_value=120),
    newline=st.sampled_from(["\n", "\r\n", " ", "\t\n  "]),
    cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=20),
    as_bytes=st.booleans(),
)
def test_chunked_decode_equals_one_shot_decode_for_any_split(
    data: bytes, width: int, newline: str, cuts: list[int], as_bytes: bool
) -> None:
    text = wrap(base64.b64encode(data).decode(), width, newline)
    chunks = split_at(text, cuts)
    out = io.BytesIO()
    result = decode_base64_stream(
        [c.encode() for c in chunks] if as_bytes else chunks, out, max_bytes=len(data)
    )
    assert out.getvalue() == data
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_wrapped_lines_as_real_messages_send_them_are_accepted() -> None:
    data = os.urandom(10_000)
    text = "\n      " + wrap(base64.b64encode(data).decode(), 76, "\r\n") + "\n    "
    assert decode([text]) == data


def test_invalid_character_is_refused_with_its_position() -> None:
    with pytest.raises(AttachmentError, match="'!' in base64 at position 6"):
        decode(["QUJD\n", "R!VG"])


def test_non_ascii_character_is_refused() -> None:
    with pytest.raises(AttachmentError, match="position 2"):
        decode(["QUĐD"])


@pytest.mark.parametrize(
    "chunks",
    [["QQ=Q"], ["QQ==", "QUJD"], ["Q==="], ["QUJD="], ["QQ", "=", "=="], ["QQ=\n"], ["QUJ"]],
    ids=["inner", "after-padding", "too-much", "lone-pad", "excess", "incomplete", "truncated"],
)
def test_bad_padding_is_refused(chunks: list[str]) -> None:
    with pytest.raises(AttachmentError):
        decode(chunks)


def test_padding_split_across_chunks_and_lines_is_accepted() -> None:
    assert decode(["QQ", "=\r\n", "=\n"]) == b"A"


def test_output_beyond_max_bytes_is_refused_before_it_is_written() -> None:
    text = base64.b64encode(b"x" * 1000).decode()
    out = io.BytesIO()
    with pytest.raises(TooLargeError):
        decode_base64_stream(split_at(text, [400, 800]), out, max_bytes=999)
    assert len(out.getvalue()) <= 999


def test_output_of_exactly_max_bytes_is_accepted() -> None:
    assert decode([base64.b64encode(b"x" * 1000).decode()], max_bytes=1000) == b"x" * 1000


@given(data=st.binary(max_size=500), width=st.integers(min_value=1, max_value=80))
def test_decoded_size_is_computed_without_decoding(data: bytes, width: int) -> None:
    assert base64_decoded_size(wrap(base64.b64encode(data).decode(), width, "\r\n")) == len(data)


def test_decoded_size_of_a_truncated_text_is_an_error() -> None:
    with pytest.raises(AttachmentError):
        base64_decoded_size("QUJDR")


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "a/b",
        "c:\\x",
        "C:x.pdf",
        "\x00",
        "a\x00.pdf",
        "..",
        ".",
        "",
        "  ",
        "x\n.pdf",
        "\u202efdp.exe",
        "ễ" * 100,
    ],
)
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(AttachmentError):
        safe_attachment_name(name)


def test_vietnamese_name_is_accepted_and_normalized_to_nfc() -> None:
    decomposed = "Quye\u0302\u0301t đi\u0323nh so\u0302\u0301 15.pdf"
    assert safe_attachment_name(decomposed) == "Quyết định số 15.pdf"
    assert safe_attachment_name("Quyết định số 15.pdf") == "Quyết định số 15.pdf"


# --- zip ----------------------------------------------------------------------------------------


def make_zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def files_under(path: pathlib.Path) -> list[pathlib.Path]:
    return sorted(p for p in path.rglob("*"))


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """256 MiB of zeros in about 250 KB, written a chunk at a time."""
    buffer = io.BytesIO()
    zeros = bytes(MiB)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("report.pdf", "w", force_zip64=True) as entry,
    ):
        for _ in range(256):
            entry.write(zeros)
    return buffer.getvalue()


def test_zip_magic_bytes_are_recognized() -> None:
    assert is_zip(make_zip({"a.pdf": b"%PDF-1.7"})[:4])
    assert not is_zip(b"%PDF-1.7\n")


def test_normal_zip_extracts_intact(tmp_path: pathlib.Path) -> None:
    pdf = b"%PDF-1.7\n" + os.urandom(200_000) + b"\n%%EOF\n"
    annex = b"%PDF-1.4\n" + b"Phu luc " * 10_000 + b"\n%%EOF\n"
    archive = make_zip({"Quyết định số 15.pdf": pdf, "phụ lục/": b"", "phụ lục/Bảng 1.pdf": annex})

    files = unwrap_zip(io.BytesIO(archive), tmp_path / "out", Limits())

    assert [f.name for f in files] == ["Quyết định số 15.pdf", "phụ lục/Bảng 1.pdf"]
    for extracted, original in zip(files, [pdf, annex], strict=True):
        assert extracted.path.read_bytes() == original
        assert extracted.size == len(original)
        assert extracted.sha256 == hashlib.sha256(original).hexdigest()
        assert extracted.path.is_relative_to(tmp_path / "out")


def test_zip_bomb_is_refused_by_ratio_in_bounded_time(
    zip_bomb: bytes, tmp_path: pathlib.Path
) -> None:
    started = time.monotonic()
    with pytest.raises(TooLargeError, match="expands more than 200 times"):
        unwrap_zip(io.BytesIO(zip_bomb), tmp_path / "out", Limits())
    assert time.monotonic() - started < 5
    assert not (tmp_path / "out").exists()


def test_zip_bomb_is_refused_by_total_size_in_bounded_time(
    zip_bomb: bytes, tmp_path: pathlib.Path
) -> None:
    started = time.monotonic()
    limits = Limits(max_zip_ratio=10_000, max_unzipped_bytes=64 * MiB)
    with pytest.raises(TooLargeError, match="more than the limit of 67108864 bytes"):
        unwrap_zip(io.BytesIO(zip_bomb), tmp_path / "out", limits)
    assert time.monotonic() - started < 5
    assert not (tmp_path / "out").exists()


def test_total_size_counts_actual_bytes_across_entries(tmp_path: pathlib.Path) -> None:
    archive = make_zip({"a.bin": os.urandom(600_000), "b.bin": os.urandom(600_000)})
    with pytest.raises(TooLargeError):
        unwrap_zip(io.BytesIO(archive), tmp_path / "out", Limits(max_unzipped_bytes=MiB))
    assert files_under(tmp_path) == []


def patch_declared_size(archive: bytes, name: bytes, size: int) -> bytes:
    """Make both headers of ``name`` lie about its uncompressed size."""
    data = bytearray(archive)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                struct.pack_into("<L", data, at + offset, size)
            at = data.find(signature, at + 4)
    return bytes(data)


def test_entry_lying_about_its_size_is_refused_and_nothing_is_left(
    tmp_path: pathlib.Path,
) -> None:
    archive = make_zip({"ok.pdf": b"%PDF-1.7 fine", "liar.pdf": bytes(2 * MiB)})
    lying = patch_declared_size(archive, b"liar.pdf", 100)
    with pytest.raises(AttachmentError, match="damaged"):
        unwrap_zip(io.BytesIO(lying), tmp_path / "out", Limits())
    assert files_under(tmp_path) == []


def test_traversal_entry_is_refused_and_nothing_is_left(tmp_path: pathlib.Path) -> None:
    archive = make_zip({"fine.pdf": b"%PDF-1.7", "../../evil": b"owned"})
    out = tmp_path / "a" / "b" / "out"
    with pytest.raises(AttachmentError, match="unsafe path"):
        unwrap_zip(io.BytesIO(archive), out, Limits())
    assert files_under(tmp_path) == []


def test_absolute_entry_is_refused(tmp_path: pathlib.Path) -> None:
    archive = make_zip({"/etc/evil": b"owned"})
    with pytest.raises(AttachmentError, match="absolute"):
        unwrap_zip(io.BytesIO(archive), tmp_path / "out", Limits())


def test_symlink_entry_is_refused(tmp_path: pathlib.Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("link.pdf")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(AttachmentError, match="symbolic link"):
        unwrap_zip(io.BytesIO(buffer.getvalue()), tmp_path / "out", Limits())
    assert files_under(tmp_path) == []


def test_encrypted_entry_is_refused(tmp_path: pathlib.Path) -> None:
    data = bytearray(make_zip({"secret.pdf": b"%PDF-1.7"}))
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        struct.pack_into("<H", data, at + flags_at, 0x0001)
    with pytest.raises(AttachmentError, match="encrypted"):
        unwrap_zip(io.BytesIO(bytes(data)), tmp_path / "out", Limits())


def test_too_many_entries_are_refused(tmp_path: pathlib.Path) -> None:
    archive = make_zip({f"{i}.pdf": b"%PDF" for i in range(4)})
    with pytest.raises(TooLargeError, match="4 entries"):
        unwrap_zip(io.BytesIO(archive), tmp_path / "out", Limits(max_zip_entries=3))
    assert files_under(tmp_path) == []


def test_existing_file_is_never_overwritten(tmp_path: pathlib.Path) -> None:
    (tmp_path / "report.pdf").write_bytes(b"mine")
    archive = make_zip({"new.pdf": b"%PDF", "report.pdf": b"theirs"})
    with pytest.raises(AttachmentError, match="overwrite"):
        unwrap_zip(io.BytesIO(archive), tmp_path, Limits())
    assert files_under(tmp_path) == [tmp_path / "report.pdf"]
    assert (tmp_path / "report.pdf").read_bytes() == b"mine"


def test_extraction_does_not_follow_a_symlink_already_in_the_target(
    tmp_path: pathlib.Path,
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").symlink_to(outside)
    archive = make_zip({"sub/evil.pdf": b"owned"})
    with pytest.raises(AttachmentError, match="symbolic link"):
        unwrap_zip(io.BytesIO(archive), out, Limits())
    assert list(outside.iterdir()) == []


def test_utf8_names_without_the_utf8_flag_are_read_as_utf8(tmp_path: pathlib.Path) -> None:
    data = bytearray(make_zip({"Tờ trình.pdf": b"%PDF"}))
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        struct.pack_into("<H", data, at + flags_at, 0)
    files = unwrap_zip(io.BytesIO(bytes(data)), tmp_path, Limits())
    assert [f.name for f in files] == ["Tờ trình.pdf"]
