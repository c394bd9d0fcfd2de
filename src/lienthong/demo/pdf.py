"""One-page PDFs for the demo's documents (what a specialist would upload)."""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import PdfResources
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from lienthong.signatures.appearance import StampFont


def one_page_pdf(*lines: str) -> bytes:
    """An A4 page with ``lines`` near the top, in a font that has the Vietnamese letters."""
    writer = PdfFileWriter()  # type: ignore[no-untyped-call]
    resources = PdfResources()  # type: ignore[no-untyped-call]
    box = TextBox(
        TextBoxStyle(font=StampFont(), font_size=13),
        writer=writer,
        resources=resources,
        font_name="F1",
    )
    box.content = "\n".join(lines)
    # pyhanko's writer is untyped here.
    text = box.render()  # type: ignore[no-untyped-call]
    stream = generic.StreamObject(stream_data=b"q 1 0 0 1 72 700 cm " + text + b" Q")
    corners = (generic.NumberObject(v) for v in (0, 0, 595, 842))  # type: ignore[no-untyped-call]
    page = PageObject(  # type: ignore[no-untyped-call]
        contents=writer.add_object(stream),
        media_box=generic.ArrayObject(corners),
        resources=resources.as_pdf_object(),
    )
    writer.insert_page(page)  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()
