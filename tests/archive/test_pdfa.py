"""PDF/A: what a PDF lacks, in plain words, and conversion to PDF/A-2b where it is possible.

The check is pikepdf's PDF/A validator (an allowlist built on the veraPDF rule catalogue) with
lienthong's own structural checks; veraPDF itself is not installed, so "conforms" here is as far
as pikepdf checks, not a full veraPDF validation (``PdfaCheck.checked_by`` says so).
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name

from lienthong.archive.pdfa import (
    PdfaCheck,
    PdfaError,
    check_pdfa,
    convert_to_pdfa,
    pdfa_for_signing,
)
from lienthong.signatures import testpki
from lienthong.signatures.appearance import Appearance
from lienthong.signatures.pades import sign_pdf
from tests.signatures.conftest import AGENCY_CODE, AGENCY_NAME, make_decision_pdf, signer_for


def helvetica_pdf(**catalog: pikepdf.Object) -> pikepdf.Pdf:
    """One page of text in Helvetica, a standard font PDF viewers supply: not embedded."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    page = Dictionary(
        Type=Name.Page,
        MediaBox=Array([0, 0, 595, 842]),
        Contents=pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (Quyet dinh) Tj ET"),
        Resources=Dictionary(Font=Dictionary(F1=font)),
    )
    pdf.pages.append(pikepdf.Page(page))
    for key, value in catalog.items():
        pdf.Root[Name("/" + key)] = value
    return pdf


def saved(pdf: pikepdf.Pdf, **options: object) -> bytes:
    out = io.BytesIO()
    pdf.save(out, **options)  # type: ignore[arg-type]
    return out.getvalue()


def with_catalog(data: bytes, **catalog: pikepdf.Object) -> bytes:
    """``data`` (a PDF with embedded fonts) with entries added to its catalog."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for key, value in catalog.items():
            pdf.Root[Name("/" + key)] = value
        return saved(pdf)


def codes(check: PdfaCheck) -> set[str]:
    return {p.code for p in check.problems}


@pytest.fixture(scope="module")
def decision() -> bytes:
    """The sample decision: fonts embedded, but no XMP metadata and no OutputIntent."""
    return make_decision_pdf()


@pytest.fixture(scope="module")
def converted(decision: bytes) -> bytes:
    return convert_to_pdfa(decision).data


def test_a_pdf_that_is_not_pdfa_is_reported_with_what_it_lacks(decision: bytes) -> None:
    check = check_pdfa(decision)
    assert not check.conforms and not check.meets and check.claimed is None
    assert codes(check) == {"no-xmp", "not-declared", "no-output-intent"}
    assert check.convertible
    messages = " / ".join(p.message for p in check.problems)
    assert "no XMP metadata" in messages and "OutputIntent with an ICC" in messages


def test_conversion_yields_a_pdfa_2b_that_passes_the_check(decision: bytes) -> None:
    result = convert_to_pdfa(decision)
    assert result.converted and result.check.conforms
    assert result.check.claimed == "2B" and result.check.problems == ()
    assert any("sRGB ICC profile" in change for change in result.changes)
    again = check_pdfa(result.data)  # checked afresh from the bytes
    assert again.conforms and again.flavour == "2b"
    assert "not a full veraPDF validation" in again.checked_by


def test_the_converted_document_shows_the_same_page(decision: bytes, converted: bytes) -> None:
    with pikepdf.open(io.BytesIO(decision)) as before, pikepdf.open(io.BytesIO(converted)) as after:
        assert len(after.pages) == len(before.pages) == 1
        assert after.pages[0].Contents.read_bytes() == before.pages[0].Contents.read_bytes()


def test_a_document_that_already_conforms_is_signed_as_it_is(converted: bytes) -> None:
    result = pdfa_for_signing(converted)
    assert not result.converted and result.data == converted and result.changes == ()


def test_a_declared_pdfa_that_lacks_its_output_intent_is_reported_and_repaired(
    converted: bytes,
) -> None:
    with pikepdf.open(io.BytesIO(converted)) as pdf:
        del pdf.Root[Name.OutputIntents]
        broken = saved(pdf)
    check = check_pdfa(broken)
    assert check.claimed == "2B" and not check.conforms
    assert "no-output-intent" in codes(check)
    assert convert_to_pdfa(broken).check.conforms


def test_a_font_that_is_not_embedded_is_reported_and_not_converted() -> None:
    data = saved(helvetica_pdf())
    check = check_pdfa(data)
    assert "font-not-embedded" in codes(check) and not check.convertible
    with pytest.raises(PdfaError, match="the font Helvetica is not embedded") as raised:
        pdfa_for_signing(data)
    assert raised.value.code == "pdfa-not-convertible"
    assert any(p.code == "font-not-embedded" and p.blocking for p in raised.value.problems)


@pytest.mark.parametrize(
    ("catalog", "code"),
    [
        (
            {"OpenAction": Dictionary(S=Name.JavaScript, JS=pikepdf.String("app.alert(1)"))},
            "javascript",
        ),
        (
            {
                "Names": Dictionary(
                    JavaScript=Dictionary(
                        Names=Array(
                            [
                                pikepdf.String("a"),
                                Dictionary(S=Name.JavaScript, JS=pikepdf.String("x")),
                            ]
                        )
                    )
                )
            },
            "javascript",
        ),
        ({"OpenAction": Dictionary(S=Name.Launch, F=pikepdf.String("calc.exe"))}, "launch-action"),
    ],
    ids=["open-action-javascript", "document-javascript", "launch"],
)
def test_javascript_and_launch_actions_are_reported_and_not_converted(
    decision: bytes, catalog: dict[str, pikepdf.Object], code: str
) -> None:
    data = with_catalog(decision, **catalog)
    check = check_pdfa(data)
    assert code in codes(check) and not check.convertible
    with pytest.raises(PdfaError) as raised:
        convert_to_pdfa(data)
    assert code in {p.code for p in raised.value.problems}


def test_an_encrypted_pdf_is_reported_and_not_converted(decision: bytes) -> None:
    with pikepdf.open(io.BytesIO(decision)) as pdf:
        data = saved(pdf, encryption=pikepdf.Encryption(user="", owner="chu-so-huu"))
    check = check_pdfa(data)
    assert "encrypted" in codes(check) and not check.convertible
    with pytest.raises(PdfaError, match="encrypted"):
        convert_to_pdfa(data)


def test_a_pdf_that_needs_a_password_to_open_is_reported(decision: bytes) -> None:
    with pikepdf.open(io.BytesIO(decision)) as pdf:
        data = saved(pdf, encryption=pikepdf.Encryption(user="mat-khau", owner="chu-so-huu"))
    assert codes(check_pdfa(data)) == {"encrypted"}


def test_bytes_that_are_not_a_pdf_are_reported_not_raised() -> None:
    check = check_pdfa(b"%PDF-1.7 and then nothing")
    assert codes(check) == {"unreadable"} and not check.convertible


# A stream whose /Length is an indirect object, as LibreOffice and many other producers write.
INDIRECT_LENGTH = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >> endobj
4 0 obj << /Length 5 0 R >> stream
q Q
endstream endobj
5 0 obj 4 endobj
trailer << /Root 1 0 R /Size 6 >>
%%EOF
"""


def test_a_pdf_with_indirect_numbers_is_checked_and_converted() -> None:
    check = check_pdfa(INDIRECT_LENGTH)
    assert "unreadable" not in codes(check) and check.convertible
    assert check_pdfa(convert_to_pdfa(INDIRECT_LENGTH).data).conforms


@pytest.fixture(scope="module")
def agency(tmp_path_factory: pytest.TempPathFactory) -> testpki.Credential:
    directory: Path = tmp_path_factory.mktemp("pdfa-pki")
    testpki.init_pki(directory, port=0)  # B-B signatures only: nothing is served
    return testpki.issue_agency(directory, code=AGENCY_CODE, name=AGENCY_NAME)


def signed(data: bytes, credential: testpki.Credential) -> bytes:
    out = io.BytesIO()
    with signer_for(credential) as signer:
        sign_pdf(data, out, signer, role="agency", level="B-B", appearance=Appearance())
    return out.getvalue()


def test_a_signed_pdf_that_is_not_pdfa_cannot_be_converted(
    decision: bytes, agency: testpki.Credential
) -> None:
    data = signed(decision, agency)
    check = check_pdfa(data)
    assert check.signed and "signed" in codes(check) and not check.convertible
    with pytest.raises(PdfaError, match="would break its signatures"):
        convert_to_pdfa(data)


def test_a_pdfa_document_signed_with_a_visible_stamp_stays_pdfa(
    converted: bytes, agency: testpki.Credential
) -> None:
    check = check_pdfa(signed(converted, agency))
    assert check.conforms and check.before_signing is not None and check.before_signing.meets
    # pikepdf's validator does not check the signature fields: the report says so.
    assert codes(check) == {"signature-layer-not-checked"}


def test_a_pdfa_document_already_signed_is_signed_again_as_it_is(
    converted: bytes, agency: testpki.Credential
) -> None:
    once = signed(converted, agency)  # the person's signature, say; the agency signs next
    result = pdfa_for_signing(once)
    assert not result.converted and result.data == once and result.check.conforms
