"""Documents for the tests: a one-page PDF, and signed edXML messages as a sender makes them."""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import PdfResources
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from lienthong.edxml import Organization, build
from lienthong.edxml.compose import NewFile, new_edoc
from lienthong.edxml.dsig import sign
from lienthong.edxml.model import Code
from lienthong.edxml.signing_key import SigningKey
from lienthong.signatures.appearance import StampFont


def make_pdf(title: str = "QUYẾT ĐỊNH về việc phê duyệt kế hoạch năm 2026") -> bytes:
    writer = PdfFileWriter()
    resources = PdfResources()
    box = TextBox(
        TextBoxStyle(font=StampFont(), font_size=13),
        writer=writer,
        resources=resources,
        font_name="F1",
    )
    box.content = title
    page = PageObject(
        contents=writer.add_object(
            generic.StreamObject(stream_data=b"q 1 0 0 1 72 750 cm " + box.render() + b" Q")
        ),
        media_box=generic.ArrayObject(generic.NumberObject(v) for v in (0, 0, 595, 842)),
        resources=resources.as_pdf_object(),
    )
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signed_edoc(
    key: SigningKey,
    *,
    sender: str,
    to: tuple[str, ...],
    number: str = "15",
    notation: str = "QĐ-UBND",
    subject: str = "Quyết định phê duyệt kế hoạch chuyển đổi số tỉnh Đắk Lắk",
    pdf: bytes | None = None,
) -> bytes:
    message = new_edoc(
        sender=Organization(sender, organ_name="Ủy ban nhân dân tỉnh Hà Nam"),
        recipients=[Organization(code) for code in to],
        subject=subject,
        code=Code(number, notation),
        type_name="Quyết định",
        files=[NewFile("quyet-dinh.pdf", "application/pdf", pdf or make_pdf())],
    )
    return sign(build(message), key)
