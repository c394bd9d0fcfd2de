"""A book (:mod:`.books`) as a PDF: A4 landscape, the agency and the book's title on top, a
table with the book's columns repeated on every page, cells wrapped on word boundaries, and
``Trang 2/5`` at the foot of each page.

Drawn with pyHanko's PDF writer (already used for signatures) in Liberation Serif, embedded as
a subset (:class:`lienthong.signatures.appearance.StampFont`, Debian ``fonts-liberation2``: it
has every Vietnamese letter). Text carries a ToUnicode map, so it can be searched and copied.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import PdfResources
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from lienthong.signatures.appearance import StampFont

from .books import Book

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = 842.0, 595.0  # A4 landscape
MARGIN = 12 * MM
BODY_SIZE = 8.5
HEAD_SIZE = 8.5
TITLE_SIZE = 13.0
LEADING = 1.2  # line height, in font sizes
PADDING = 2.5
FONT = b"/F1"
MEDIA_BOX = generic.ArrayObject(
    generic.NumberObject(v)  # type: ignore[no-untyped-call]
    for v in (0, 0, int(PAGE_WIDTH), int(PAGE_HEIGHT))
)


@dataclass(frozen=True)
class _Cell:
    lines: list[str]


class _Text:
    """Measures and draws text with one embedded font engine per PDF."""

    def __init__(self, writer: PdfFileWriter) -> None:
        self.engine = StampFont().create_font_engine(writer)
        self._widths: dict[tuple[str, float], float] = {}

    def width(self, text: str, size: float) -> float:
        key = (text, size)
        if key not in self._widths:
            self.engine.font_size = size  # type: ignore[assignment]
            self._widths[key] = self.engine.shape(text).x_advance * size
        return self._widths[key]

    def wrap(self, text: str, size: float, room: float) -> list[str]:
        """``text`` in lines no wider than ``room`` (a word wider than it is cut)."""
        lines: list[str] = []
        for paragraph in _nfc(text).splitlines() or [""]:
            line = ""
            for word in paragraph.split():
                while self.width(word, size) > room and len(word) > 1:
                    cut = len(word) - 1
                    while cut > 1 and self.width(word[:cut], size) > room:
                        cut -= 1
                    if line:
                        lines.append(line)
                        line = ""
                    lines.append(word[:cut])
                    word = word[cut:]
                candidate = f"{line} {word}" if line else word
                if line and self._measure_words(candidate, size) > room:
                    lines.append(line)
                    line = word
                else:
                    line = candidate
            lines.append(line)
        return lines

    def _measure_words(self, line: str, size: float) -> float:
        words = line.split(" ")
        return sum(self.width(w, size) for w in words) + self.width(" ", size) * (len(words) - 1)

    def draw(self, text: str, size: float, x: float, y: float) -> bytes:
        """Operators drawing ``text`` with its baseline starting at (x, y)."""
        if not text:
            return b""
        self.engine.font_size = size  # type: ignore[assignment]
        shaped = self.engine.shape(_nfc(text), with_actual_text=False).graphics_ops
        return b"BT %s %g Tf 1 0 0 1 %.2f %.2f Tm %s ET\n" % (FONT, size, x, y, shaped)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def book_pdf(book: Book) -> bytes:
    """The book as PDF bytes."""
    writer = PdfFileWriter()  # type: ignore[no-untyped-call]
    text = _Text(writer)
    width = PAGE_WIDTH - 2 * MARGIN
    total = sum(c.width for c in book.columns)
    widths = [width * c.width / total for c in book.columns]
    head = _row([c.heading for c in book.columns], widths, text, HEAD_SIZE)
    rows = [_row(list(r.cells), widths, text, BODY_SIZE) for r in book.rows]
    title_top = PAGE_HEIGHT - MARGIN
    table_top = title_top - 2.6 * TITLE_SIZE * LEADING
    bottom = MARGIN + 2 * BODY_SIZE
    room = table_top - _height(head, HEAD_SIZE) - bottom
    most = int((room - 2 * PADDING) // (BODY_SIZE * LEADING))  # a cell taller is cut
    rows = [[_Cell(c.lines[:most]) for c in cells] for cells in rows]
    pages = list(_paginate(rows, room))
    resources = PdfResources()  # type: ignore[no-untyped-call]
    resources.font[generic.pdf_name(FONT.decode())] = text.engine.as_resource()
    for number, page_rows in enumerate(pages, start=1):
        ops = bytearray(b"0 g 0 G 0.5 w\n")
        ops += text.draw(book.agency.upper(), BODY_SIZE, MARGIN, title_top - BODY_SIZE)
        title = f"{book.title} — {book.year}"
        ops += text.draw(
            title,
            TITLE_SIZE,
            (PAGE_WIDTH - text.width(_nfc(title), TITLE_SIZE)) / 2,
            title_top - 2 * TITLE_SIZE * LEADING,
        )
        y = _draw_row(ops, head, widths, text, HEAD_SIZE, table_top)
        for cells in page_rows:
            y = _draw_row(ops, cells, widths, text, BODY_SIZE, y)
        if not book.rows:
            ops += text.draw(_empty(), BODY_SIZE, MARGIN + PADDING, y - 2 * BODY_SIZE)
        footer = _("Trang %(page)d/%(pages)d") % {"page": number, "pages": len(pages)}
        ops += text.draw(
            footer, BODY_SIZE, PAGE_WIDTH - MARGIN - text.width(footer, BODY_SIZE), MARGIN
        )
        page = PageObject(  # type: ignore[no-untyped-call]
            contents=writer.add_object(generic.StreamObject(stream_data=bytes(ops))),
            media_box=MEDIA_BOX,
            resources=resources.as_pdf_object(),
        )
        writer.insert_page(page)  # type: ignore[no-untyped-call]
    writer.document_meta.title = f"{book.title} — {book.agency} — {book.year}"
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def _empty() -> str:
    return _("Sổ chưa có văn bản nào trong năm này.")


def _row(cells: list[str], widths: list[float], text: _Text, size: float) -> list[_Cell]:
    return [
        _Cell(text.wrap(cell, size, w - 2 * PADDING)) for cell, w in zip(cells, widths, strict=True)
    ]


def _height(cells: list[_Cell], size: float) -> float:
    return max(len(c.lines) for c in cells) * size * LEADING + 2 * PADDING


def _paginate(rows: list[list[_Cell]], room: float) -> Iterator[list[list[_Cell]]]:
    """Rows in pages of at most ``room`` points; always at least one page (maybe empty)."""
    page: list[list[_Cell]] = []
    used = 0.0
    for cells in rows:
        height = _height(cells, BODY_SIZE)
        if page and used + height > room:
            yield page
            page, used = [], 0.0
        page.append(cells)
        used += height
    yield page


def _draw_row(
    ops: bytearray, cells: list[_Cell], widths: list[float], text: _Text, size: float, top: float
) -> float:
    """Draw one row under ``top``, cells boxed; the y of its bottom edge."""
    height = _height(cells, size)
    x = MARGIN
    for cell, w in zip(cells, widths, strict=True):
        ops += b"%.2f %.2f %.2f %.2f re S\n" % (x, top - height, w, height)
        baseline = top - PADDING - size
        for line in cell.lines:
            ops += text.draw(line, size, x + PADDING, baseline)
            baseline -= size * LEADING
        x += w
    return top - height
