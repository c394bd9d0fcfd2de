"""Signing as Decree 30 asks: approval signatures only, the signature images where the decree
puts them, the attachment's text stamp, Vietnamese glyphs, and the refusals."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import read_certification_data
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from lienthong.signatures.appearance import MM, Appearance, Box, iso_time, missing_glyphs
from lienthong.signatures.errors import PdfError, SigningError
from lienthong.signatures.pades import extend_archival_timestamp, sign_pdf
from lienthong.signatures.report import validate_pdf

from ..conftest import missing_service
from .conftest import SEAL_DPI, SEAL_PIXELS, SIGNATURE_GAP, ServedPki, signer_for
from .test_pdf_matrix import seal, sign

A4_WIDTH, A4_HEIGHT = 595, 842


def signatures(pdf: bytes) -> list[EmbeddedPdfSignature]:
    return list(PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures)


def rect(signature: EmbeddedPdfSignature) -> Box:
    x1, y1, x2, y2 = (float(v) for v in signature.sig_field["/Rect"])
    return Box(x1, y1, x2, y2)


def stamp_texts(signature: EmbeddedPdfSignature) -> list[str]:
    """The lines of a text stamp, from the appearance stream's /ActualText entries."""
    data = signature.sig_field["/AP"]["/N"].data
    pattern = rb"/ActualText (\((?:\\.|[^\\)])*\))"
    # A PDF string literal needs no container to be read.
    container: Any = None
    return [str(generic.read_object(io.BytesIO(m), container)) for m in re.findall(pattern, data)]


@pytest.fixture(scope="module")
def by_person(served_pki: ServedPki, decision_pdf: bytes, signature_png: Path) -> bytes:
    appearance = Appearance(image=signature_png, box=SIGNATURE_GAP)
    return sign(served_pki, decision_pdf, served_pki.person, level="B-B", appearance=appearance)


@pytest.fixture(scope="module")
def by_person_and_seal(served_pki: ServedPki, by_person: bytes, seal_png: Path) -> bytes:
    return seal(served_pki, by_person, seal_png)


def test_a_signature_is_an_approval_signature_without_any_lock(by_person_and_seal: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(by_person_and_seal))
    assert read_certification_data(reader) is None  # no certification (DocMDP) signature
    for signature in reader.embedded_regular_signatures:
        assert "/Lock" not in signature.sig_field
        assert "/Reference" not in signature.sig_object
        assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"


def test_the_person_image_is_centred_in_the_gap_keeping_its_proportions(by_person: bytes) -> None:
    (signature,) = signatures(by_person)
    box = rect(signature)
    assert signature.field_name == "person-signature-1"
    assert box.width / box.height == pytest.approx(600 / 240, rel=0.03)  # the PNG's 5:2
    assert box.width == pytest.approx(SIGNATURE_GAP.width, abs=1)  # as wide as the gap allows
    assert (box.y1 + box.y2) / 2 == pytest.approx((SIGNATURE_GAP.y1 + SIGNATURE_GAP.y2) / 2, abs=1)
    assert (box.x1 + box.x2) / 2 == pytest.approx((SIGNATURE_GAP.x1 + SIGNATURE_GAP.x2) / 2, abs=1)


def test_the_seal_is_real_size_and_covers_the_left_third_of_the_person_image(
    by_person_and_seal: bytes,
) -> None:
    person, agency = signatures(by_person_and_seal)
    image, seal = rect(person), rect(agency)
    real_size = SEAL_PIXELS / SEAL_DPI * 72  # 36 mm
    assert seal.width == pytest.approx(real_size, abs=1)
    assert seal.height == pytest.approx(real_size, abs=1)
    assert seal.x2 - image.x1 == pytest.approx(image.width / 3, abs=1)
    assert (seal.y1 + seal.y2) / 2 == pytest.approx((image.y1 + image.y2) / 2, abs=1)


def test_a_seal_with_no_person_signature_to_sit_on_is_refused(
    pki: ServedPki, decision_pdf: bytes, seal_png: Path
) -> None:
    with pytest.raises(SigningError, match="person's signature"):
        seal(pki, decision_pdf, seal_png)


def test_an_attachment_carries_the_agency_text_stamp_top_right_of_page_one(
    pki: ServedPki, decision_pdf: bytes
) -> None:
    pdf = sign(
        pki,
        decision_pdf,
        pki.agency,
        role="agency",
        level="B-B",
        appearance=Appearance(number="15/QĐ-UBND"),
    )
    (signature,) = signatures(pdf)
    box = rect(signature)
    assert box.x2 == pytest.approx(A4_WIDTH - 15 * MM, abs=1)  # inside the right margin
    assert box.y2 == pytest.approx(A4_HEIGHT - 8 * MM, abs=1)  # inside the top margin
    signed_at = signature.self_reported_timestamp
    assert signed_at is not None
    assert stamp_texts(signature) == ["15/QĐ-UBND", iso_time(signed_at)]
    assert iso_time(signed_at).endswith("+07:00")
    fonts = signature.sig_field["/AP"]["/N"]["/Resources"]["/Font"]
    (font,) = (f.get_object() for f in fonts.values())
    assert "LiberationSerif" in str(font["/BaseFont"])


def test_a_person_without_an_image_signs_with_title_name_and_time_as_text(
    pki: ServedPki, decision_pdf: bytes
) -> None:
    appearance = Appearance(signer_title="KT. CHỦ TỊCH – PHÓ CHỦ TỊCH")
    (signature,) = signatures(
        sign(pki, decision_pdf, pki.person, level="B-B", appearance=appearance)
    )
    title, name, time = stamp_texts(signature)
    assert (title, name) == ("KT. CHỦ TỊCH – PHÓ CHỦ TỊCH", "Nguyễn Văn An")
    assert time.endswith("+07:00")


def test_the_stamp_font_draws_every_vietnamese_letter() -> None:
    letters = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
    tones = "àảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
    assert missing_glyphs(letters + letters.upper() + tones + tones.upper()) == ""


def test_a_signature_can_be_invisible(pki: ServedPki, decision_pdf: bytes) -> None:
    appearance = Appearance(visible=False)
    (signature,) = signatures(
        sign(pki, decision_pdf, pki.person, level="B-B", appearance=appearance)
    )
    raw = [float(v) for v in signature.sig_field.get("/Rect", (0, 0, 0, 0))]
    assert raw[2] - raw[0] == 0 and raw[3] - raw[1] == 0


def test_the_signed_page_shows_the_blue_signature_under_the_red_seal(
    by_person_and_seal: bytes, tmp_path: Path
) -> None:
    if shutil.which("pdftoppm") is None:
        missing_service("pdftoppm (Debian package poppler-utils) is not installed")
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(by_person_and_seal)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "1", pdf, tmp_path / "page"], check=True
    )
    (png,) = tmp_path.glob("page*.png")
    page = Image.open(png).convert("RGB")
    person, agency = (rect(s) for s in signatures(by_person_and_seal))

    def colours(box: Box) -> list[Any]:
        region = page.crop(
            (round(box.x1), round(A4_HEIGHT - box.y2), round(box.x2), round(A4_HEIGHT - box.y1))
        )
        return [region.getpixel((x, y)) for x in range(region.width) for y in range(region.height)]

    def blue(c: tuple[int, int, int]) -> bool:
        return c[2] > 150 and c[0] < 90

    def red(c: tuple[int, int, int]) -> bool:
        return c[0] > 180 and c[1] < 90 and c[2] < 90

    right_of_seal = Box(agency.x2 + 1, person.y1, person.x2, person.y2)
    assert any(blue(c) for c in colours(right_of_seal))
    assert any(red(c) for c in colours(agency))


def test_level_b_t_needs_a_time_stamp_authority(pki: ServedPki, decision_pdf: bytes) -> None:
    with signer_for(pki.person) as signer, pytest.raises(SigningError, match="TSA"):
        sign_pdf(decision_pdf, io.BytesIO(), signer, role="person", level="B-T")


def test_level_b_lt_needs_trust_anchors(pki: ServedPki, decision_pdf: bytes) -> None:
    with signer_for(pki.person) as signer, pytest.raises(SigningError, match="trust anchors"):
        sign_pdf(
            decision_pdf,
            io.BytesIO(),
            signer,
            role="person",
            level="B-LT",
            tsa_url=pki.info.tsa_url,
        )


def test_an_agency_signature_needs_the_agency_certificate(
    pki: ServedPki, decision_pdf: bytes
) -> None:
    with pytest.raises(SigningError, match="needs an agency's certificate"):
        sign(pki, decision_pdf, pki.person, role="agency", level="B-B")


def test_a_file_that_is_not_a_pdf_is_refused(pki: ServedPki) -> None:
    with pytest.raises(PdfError):
        sign(pki, b"not a PDF", pki.person, level="B-B")


def test_a_box_is_read_from_the_command_line_form() -> None:
    assert Box.parse("330,110,520,190") == Box(330, 110, 520, 190)
    with pytest.raises(SigningError, match="not a box"):
        Box.parse("330,110")
    with pytest.raises(SigningError, match="empty"):
        Box.parse("520,110,330,190")


def test_renewing_the_archival_timestamp_keeps_the_signature_valid(
    pki: ServedPki, decision_pdf: bytes
) -> None:
    pdf = sign(pki, decision_pdf, pki.person, level="B-LTA")
    renewed = io.BytesIO()
    extend_archival_timestamp(pdf, renewed, tsa_url=pki.info.tsa_url, policy=pki.policy)
    report = validate_pdf(renewed.getvalue(), pki.policy)
    (signature,) = report.signatures
    assert report.valid and signature.long_term.validated
    assert len(report.document_timestamps) == 2
    assert signature.modifications == "allowed"
