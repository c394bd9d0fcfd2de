"""PAdES: B-LT sign and validate per second for a 1 MB PDF, against a running test PKI server.

Signing a B-LT signature asks the server for OCSP responses (signer and TSA paths, before
signing), a signature timestamp and the revocation data embedded afterwards; validation asks
again for live revocation status (and, offline, uses only what the file carries). So the rates
measure the whole exchange with a local responder, not RSA alone — compare them with the raw
RSA rates of the same run.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from lienthong.signatures import testpki
from lienthong.signatures.appearance import Appearance
from lienthong.signatures.keys import KeySource, open_signer
from lienthong.signatures.pades import sign_pdf
from lienthong.signatures.report import validate_pdf
from lienthong.signatures.trust import ValidationPolicy

from .machine import rate

AGENCY_CODE = "000.00.00.H25"


def one_megabyte_pdf(size: int = 1_000_000) -> bytes:
    """A one-page PDF of about ``size`` bytes: a page drawing an incompressible image."""
    width = 1000
    height = size // (3 * width)
    writer = PdfFileWriter()  # type: ignore[no-untyped-call]
    image = generic.StreamObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/XObject"),
            generic.NameObject("/Subtype"): generic.NameObject("/Image"),
            generic.NameObject("/Width"): generic.NumberObject(width),  # type: ignore[no-untyped-call]
            generic.NameObject("/Height"): generic.NumberObject(height),  # type: ignore[no-untyped-call]
            generic.NameObject("/ColorSpace"): generic.NameObject("/DeviceRGB"),
            generic.NameObject("/BitsPerComponent"): generic.NumberObject(8),  # type: ignore[no-untyped-call]
        },
        stream_data=os.urandom(width * height * 3),
    )
    images = {generic.NameObject("/Im0"): writer.add_object(image)}
    resources = generic.DictionaryObject(  # type: ignore[no-untyped-call]
        {generic.NameObject("/XObject"): generic.DictionaryObject(images)}  # type: ignore[no-untyped-call]
    )
    content = generic.StreamObject(stream_data=b"q 500 0 0 166 47 600 cm /Im0 Do Q")
    page = PageObject(  # type: ignore[no-untyped-call]
        contents=writer.add_object(content),
        media_box=generic.ArrayObject(
            generic.NumberObject(v)  # type: ignore[no-untyped-call]
            for v in (0, 0, 595, 842)
        ),
        resources=resources,
    )
    writer.insert_page(page)  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def bench_pades(pki_dir: Path, seconds: float = 5.0) -> dict[str, object]:
    """Rates for the test PKI in ``pki_dir``, whose server must be running on its port.

    Issues one person credential in that PKI for the run.
    """
    info = testpki.open_pki(pki_dir)
    testpki.issue_agency(pki_dir, code=AGENCY_CODE, name="Văn phòng Chính phủ (đo hiệu năng)")
    person = testpki.issue_person(
        pki_dir, name="Người Đo Hiệu Năng", title="Chuyên viên", agency=AGENCY_CODE
    )
    policy = ValidationPolicy.from_paths([info.root])
    offline = ValidationPolicy.from_paths([info.root], fetch=False)
    pdf = one_megabyte_pdf()
    source = KeySource.from_options(p12=person.p12, p12_password=person.p12_password)

    with open_signer(source) as signer:

        def sign() -> bytes:
            out = io.BytesIO()
            sign_pdf(
                pdf,
                out,
                signer,
                role="person",
                level="B-LT",
                tsa_url=info.tsa_url,
                policy=policy,
                appearance=Appearance(visible=False),
            )
            return out.getvalue()

        signed = sign()
        sign_per_s = rate(sign, seconds)

    report = validate_pdf(signed, policy)
    assert report.valid, report.as_dict()
    return {
        "pdf_bytes": len(pdf),
        "signed_bytes": len(signed),
        "level": "B-LT",
        "sign_per_s": round(sign_per_s, 2),
        "validate_per_s": round(rate(lambda: validate_pdf(signed, policy), seconds), 2),
        "validate_offline_per_s": round(rate(lambda: validate_pdf(signed, offline), seconds), 2),
    }


def run(seconds: float = 5.0) -> dict[str, object]:
    """:func:`bench_pades` on a fresh test PKI served from this process."""
    with tempfile.TemporaryDirectory(prefix="lienthong-pades-bench-") as folder:
        directory = Path(folder) / "pki"
        testpki.init_pki(directory, port=0)
        with testpki.serving(directory):
            return bench_pades(directory, seconds)


if __name__ == "__main__":
    print(run())
