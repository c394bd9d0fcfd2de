"""What a signature looks like on the page, and where it goes (Decree 30/2020, STANDARDS.md §4).

* **Person**: the blue transparent PNG of the handwritten signature, scaled to fit the gap
  between the title line and the full name (``box``) and centred in it. The signature field is
  the image's own rectangle, so that the agency's seal can later be placed against it.
* **Agency**: the red round seal, transparent PNG, at real size (from the PNG's resolution, else
  :data:`DEFAULT_SEAL_DIAMETER_MM`), overlapping the left third of the person's image and
  centred on it vertically.
* **Agency, attachment in its own file**: no image; top right of page one, as text, the
  number/notation and then the signing time (ISO 8601, Vietnam time), Times New Roman 10 pt,
  black. Liberation Serif stands in for Times New Roman: the same metrics, free, and with the
  Vietnamese letters (``fonts-liberation2``; the older ``fonts-liberation`` has none of them).

Coordinates are PDF points (1/72 inch) from the lower-left corner of the page; pages are
numbered from 1 in this API.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from PIL import Image, UnidentifiedImageError
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font import FontEngineFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.rw_common import PdfHandler
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.stamp import BaseStampStyle, StaticStampStyle, TextStamp, TextStampStyle

from .errors import PdfError, SigningError

if TYPE_CHECKING:
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

Role = Literal["person", "agency"]

MM = 72 / 25.4
STAMP_FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
FONT_SIZE = 10
LEADING = 12
TEXT_PADDING = 2.0
# Round seals of Vietnamese agencies are 32-42 mm across; used when the PNG carries no DPI.
DEFAULT_SEAL_DIAMETER_MM = 36.0
VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")
# Decree 30 page margins: right 15-20 mm, top 20-25 mm. The attachment stamp sits inside them.
_ATTACHMENT_RIGHT_MM = 15.0
_ATTACHMENT_TOP_MM = 8.0
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"  # what pyHanko fills in; re-rendered as ISO 8601 below


@dataclass(frozen=True)
class Box:
    """A rectangle on a page: lower-left ``(x1, y1)``, upper-right ``(x2, y2)``, in points."""

    x1: float
    y1: float
    x2: float
    y2: float

    def __post_init__(self) -> None:
        if self.x2 <= self.x1 or self.y2 <= self.y1:
            raise SigningError(f"the box {self} is empty: give x1,y1,x2,y2 with x1<x2 and y1<y2")

    @classmethod
    def parse(cls, text: str) -> Box:
        """``"x1,y1,x2,y2"`` in points, as the command line takes it."""
        try:
            x1, y1, x2, y2 = (float(part) for part in text.split(","))
        except ValueError:
            raise SigningError(f"{text!r} is not a box x1,y1,x2,y2 (points)") from None
        return cls(x1, y1, x2, y2)

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    def as_ints(self) -> tuple[int, int, int, int]:
        return (round(self.x1), round(self.y1), round(self.x2), round(self.y2))


@dataclass(frozen=True)
class Appearance:
    """What a signature shows and where; the default is decided by the role (see module doc).

    ``image``: the person's signature or the agency's seal (PNG, transparent). ``number``:
    the document's number/notation ("15/QĐ-UBND"); given to an agency signature, it makes the
    text stamp of an attachment in its own file. ``signer_title``/``signer_name``: shown as
    text when a person signs without an image. ``page`` (from 1) and ``box`` override the
    placement. ``visible=False`` makes an invisible signature.
    """

    image: Path | None = None
    number: str | None = None
    signer_title: str | None = None
    signer_name: str | None = None
    page: int | None = None
    box: Box | None = None
    seal_diameter_mm: float | None = None
    visible: bool = True


@dataclass(frozen=True)
class PlacedStamp:
    """A planned visible signature: page index (from 0), field rectangle and stamp style."""

    page_index: int
    box: Box
    style: BaseStampStyle


def plan_stamp(
    appearance: Appearance, role: Role, document: PdfHandler, *, signer_name: str
) -> PlacedStamp | None:
    """Decide where the signature goes and how it looks; ``None`` for an invisible one."""
    if not appearance.visible:
        return None
    pages = _page_boxes(document)
    if role == "agency" and appearance.number is not None:
        return _attachment_stamp(appearance, pages)
    if role == "agency":
        return _seal_stamp(appearance, document, pages) if appearance.image else None
    if appearance.image is not None:
        return _signature_image_stamp(appearance, pages)
    return _person_text_stamp(appearance, pages, signer_name)


# --- person ----------------------------------------------------------------------------------


def default_person_box(page: Box) -> Box:
    """Where the gap between title and name usually is: right column, above the bottom margin
    (used when the caller does not say; real documents should)."""
    centre = page.x1 + page.width * 0.72
    return Box(centre - 45 * MM, page.y1 + 45 * MM, centre + 45 * MM, page.y1 + 75 * MM)


def _signature_image_stamp(appearance: Appearance, pages: list[Box]) -> PlacedStamp:
    assert appearance.image is not None
    index = _page_index(appearance.page, pages, default=len(pages) - 1)
    gap = appearance.box or default_person_box(pages[index])
    image = load_png(appearance.image)
    # Fit the image into the gap, keeping its proportions, centred both ways.
    scale = min(gap.width / image.width, gap.height / image.height)
    width, height = image.width * scale, image.height * scale
    left = gap.x1 + (gap.width - width) / 2
    bottom = gap.y1 + (gap.height - height) / 2
    return PlacedStamp(index, Box(left, bottom, left + width, bottom + height), _image_style(image))


def _person_text_stamp(appearance: Appearance, pages: list[Box], signer_name: str) -> PlacedStamp:
    lines = [
        *([appearance.signer_title] if appearance.signer_title else []),
        appearance.signer_name or signer_name,
        "%(ts)s",
    ]
    index = _page_index(appearance.page, pages, default=len(pages) - 1)
    if appearance.box is not None:
        box = appearance.box
    else:
        gap = default_person_box(pages[index])
        width, height = text_size(lines)
        left = gap.x1 + (gap.width - width) / 2
        bottom = gap.y1 + (gap.height - height) / 2
        box = Box(left, bottom, left + width, bottom + height)
    return PlacedStamp(index, box, _text_style(lines))


# --- agency ----------------------------------------------------------------------------------


def _seal_stamp(appearance: Appearance, document: PdfHandler, pages: list[Box]) -> PlacedStamp:
    assert appearance.image is not None
    image = load_png(appearance.image)
    style = _image_style(image)
    if appearance.box is not None:
        index = _page_index(appearance.page, pages, default=len(pages) - 1)
        return PlacedStamp(index, appearance.box, style)
    person = latest_person_signature(document, pages)
    if person is None:
        raise SigningError(
            "there is no visible person's signature to place the seal against: the agency "
            "signs after the competent person (Decree 30); or give the seal's page and box"
        )
    index, signature = person
    width, height = seal_size(image, appearance.seal_diameter_mm)
    # The seal covers the left third of the person's signature image.
    right = signature.x1 + signature.width / 3
    middle = (signature.y1 + signature.y2) / 2
    box = Box(right - width, middle - height / 2, right, middle + height / 2)
    return PlacedStamp(index, box, style)


def seal_size(image: Image.Image, diameter_mm: float | None = None) -> tuple[float, float]:
    """The seal's printed size in points: as asked, else from the PNG's DPI, else 36 mm."""
    if diameter_mm is not None:
        longest = diameter_mm * MM
    else:
        dpi = image.info.get("dpi")
        if dpi and float(dpi[0]) > 1:
            return image.width / float(dpi[0]) * 72, image.height / float(dpi[1] or dpi[0]) * 72
        longest = DEFAULT_SEAL_DIAMETER_MM * MM
    scale = longest / max(image.width, image.height)
    return image.width * scale, image.height * scale


def latest_person_signature(document: PdfHandler, pages: list[Box]) -> tuple[int, Box] | None:
    """The page index and rectangle of the last visible signature that is not an agency's.

    Signatures made here name their fields ``person-…`` / ``agency-…``; one made elsewhere
    counts as a person's unless its name starts with ``agency``.
    """
    page_refs = [_page(document, i).reference for i in range(len(pages))]
    found: tuple[int, Box] | None = None
    for name, _value, field_ref in enumerate_sig_fields(document, filled_status=True):
        if str(name).lower().startswith("agency"):
            continue
        for widget in _widgets(field_ref.get_object()):
            rect = [float(v) for v in widget.get("/Rect", ())]
            page = widget.get_value_as_reference("/P") if "/P" in widget else None
            if len(rect) != 4 or page is None or page not in page_refs:
                continue
            x1, x2 = sorted((rect[0], rect[2]))
            y1, y2 = sorted((rect[1], rect[3]))
            if x2 - x1 > 1 and y2 - y1 > 1:
                found = (page_refs.index(page), Box(x1, y1, x2, y2))
    return found


def _widgets(field: generic.DictionaryObject) -> Iterator[generic.DictionaryObject]:
    if "/Rect" in field:
        yield field
    for kid in field.get("/Kids", ()):
        kid = kid.get_object()
        if isinstance(kid, generic.DictionaryObject) and "/Rect" in kid:
            yield kid


def _attachment_stamp(appearance: Appearance, pages: list[Box]) -> PlacedStamp:
    assert appearance.number is not None
    lines = [appearance.number, "%(ts)s"]
    index = _page_index(appearance.page, pages, default=0)
    if appearance.box is not None:
        box = appearance.box
    else:
        page = pages[index]
        width, height = text_size(lines)
        right = page.x2 - _ATTACHMENT_RIGHT_MM * MM
        top = page.y2 - _ATTACHMENT_TOP_MM * MM
        box = Box(right - width, top - height, right, top)
    return PlacedStamp(index, box, _text_style(lines))


# --- styles ----------------------------------------------------------------------------------


def _image_style(image: Image.Image) -> StaticStampStyle:
    return StaticStampStyle(
        background=PdfImage(image),
        background_opacity=1.0,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(0, 0, 0, 0),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
    )


def _text_style(lines: list[str]) -> TextStampStyle:
    # Values go in as template parameters, never into the template: a "%" in a name is text.
    template = "\n".join(
        line if line == "%(ts)s" else f"%(line{i})s" for i, line in enumerate(lines)
    )
    values = {f"line{i}": _nfc(line) for i, line in enumerate(lines) if line != "%(ts)s"}
    return _IsoTimeTextStampStyle(
        stamp_text=template,
        timestamp_format=_TIME_FORMAT,
        border_width=0,
        text_box_style=TextBoxStyle(
            font=StampFont(),
            font_size=FONT_SIZE,
            leading=LEADING,
            text_color=(0, 0, 0),
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MIN,
                margins=layout.Margins(0, 0, 0, 0),
            ),
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins(*[round(TEXT_PADDING)] * 4),
        ),
        fixed_params=tuple(values.items()),
    )


@dataclass(frozen=True)
class _IsoTimeTextStampStyle(TextStampStyle):
    """A text stamp whose time reads as ISO 8601 in Vietnam time (``2025-03-14T09:30:00+07:00``):
    pyHanko formats the signing time with ``strftime``, which cannot write the offset's colon."""

    fixed_params: tuple[tuple[str, str], ...] = ()

    def create_stamp(
        self, writer: BasePdfFileWriter, box: layout.BoxConstraints, text_params: dict[str, Any]
    ) -> TextStamp:
        params = dict(text_params) | dict(self.fixed_params)
        if "ts" in params:
            signed = dt.datetime.strptime(params["ts"], _TIME_FORMAT)
            params["ts"] = signed.astimezone(VIETNAM_TIME).isoformat(timespec="seconds")
        return TextStamp(writer=writer, style=self, box=box, text_params=params)


def iso_time(moment: dt.datetime) -> str:
    """A signing time as the stamps show it."""
    return moment.astimezone(VIETNAM_TIME).isoformat(timespec="seconds")


# --- font ------------------------------------------------------------------------------------


class StampFont(FontEngineFactory):
    """Liberation Serif, embedded as a subset, for the Vietnamese text of stamps.

    pyHanko 0.38 writes a TrueType font's glyph widths in the font's own units, which PDF
    reads as thousandths of an em: Liberation (2048 units per em) would come out twice as wide
    as it should. The font is therefore rescaled to 1000 units per em once per process, in
    memory, before pyHanko sees it.
    """

    def create_font_engine(
        self, writer: BasePdfFileWriter, obj_stream: Any = None
    ) -> GlyphAccumulator:
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulator  # fontTools: see below

        data, _ = _stamp_font()
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()  # type: ignore[no-untyped-call]
        return GlyphAccumulator(
            writer=writer, font_handle=io.BytesIO(data), font_size=FONT_SIZE, obj_stream=obj_stream
        )


def text_size(lines: list[str]) -> tuple[float, float]:
    """The stamp box for these lines at 10 pt (a time placeholder counts as an ISO time)."""
    _, advances = _stamp_font()
    sample_time = "2000-01-01T00:00:00+07:00"
    widths = [
        sum(advances.get(ord(c), 500) for c in _nfc(sample_time if line == "%(ts)s" else line))
        * FONT_SIZE
        / 1000
        for line in lines
    ]
    return max(widths) + 2 * TEXT_PADDING + 1, len(lines) * LEADING + 2 * TEXT_PADDING + 3


@functools.cache
def _stamp_font() -> tuple[bytes, dict[int, int]]:
    """The stamp font rescaled to 1000 units per em, and its advance width per code point."""
    # fontTools takes a third of a second to import: only when a text stamp is drawn.
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    try:
        font = TTFont(STAMP_FONT)
    except OSError:
        raise SigningError(
            f"the stamp font {STAMP_FONT} is missing: install the Debian package "
            "fonts-liberation2 (Liberation Serif with Vietnamese letters)"
        ) from None
    scale_upem(font, 1000)
    if "FFTM" in font:
        del font["FFTM"]  # a FontForge timestamp the subsetter would warn about
    advances = {code: font["hmtx"][name][0] for code, name in font.getBestCmap().items()}
    out = io.BytesIO()
    font.save(out)
    return out.getvalue(), advances


def missing_glyphs(text: str) -> str:
    """The characters of ``text`` the stamp font cannot draw (empty when all can)."""
    _, advances = _stamp_font()
    return "".join(sorted({c for c in _nfc(text) if c != "\n" and ord(c) not in advances}))


def _nfc(text: str) -> str:
    # Precomposed Vietnamese letters (ệ, not e + ̣ + ̂): one glyph each in the font.
    return unicodedata.normalize("NFC", text)


# --- images and pages ------------------------------------------------------------------------


def load_png(path: Path) -> Image.Image:
    """A signature or seal image as RGBA (transparency kept), read fully now."""
    try:
        with Image.open(path) as opened:
            opened.load()
            image = opened.convert("RGBA")
            if "dpi" in opened.info:  # the seal's real size comes from it
                image.info["dpi"] = opened.info["dpi"]
    except (UnidentifiedImageError, OSError) as exc:
        if isinstance(exc, FileNotFoundError | IsADirectoryError | PermissionError):
            raise
        raise SigningError(f"{path}: not a readable image ({exc})") from None
    return image


def _page_boxes(document: PdfHandler) -> list[Box]:
    try:
        count = int(document.root["/Pages"]["/Count"])
        boxes = [_visible_box(_page(document, i)) for i in range(count)]
    except (KeyError, TypeError, ValueError) as exc:
        raise PdfError(f"the page tree cannot be read: {exc}") from None
    if not boxes:
        raise PdfError("the PDF has no pages")
    return boxes


def _page(document: PdfHandler, index: int) -> generic.IndirectObject:
    page: generic.IndirectObject = document.find_page_for_modification(index)[0]  # type: ignore[no-untyped-call]
    return page


def _visible_box(page_ref: generic.IndirectObject) -> Box:
    node: Any = page_ref.get_object()  # type: ignore[no-untyped-call]
    for key in ("/CropBox", "/MediaBox"):
        current = node
        while current is not None:  # both boxes are inheritable from /Pages nodes
            if key in current:
                x1, y1, x2, y2 = (float(v) for v in current[key])
                return Box(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
            current = current.get("/Parent")
            current = current.get_object() if current is not None else None
    raise PdfError("a page has no MediaBox")


def _page_index(page: int | None, pages: list[Box], *, default: int) -> int:
    if page is None:
        return default
    if not 1 <= page <= len(pages):
        raise SigningError(f"page {page} does not exist: the document has {len(pages)} page(s)")
    return page - 1
