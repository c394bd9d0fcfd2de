"""The text of a PDF document, for the search "in the documents' text too".

pypdf reads the text layer (a scanned page without one has no text). The text is made
searchable (:func:`lienthong.dms.textsearch.normalise`) and bounded: the first pages, up to a
size, are enough to find a document by what it says, and keep the search fast. A PDF that cannot
be read gives no text; it never stops a document from being stored.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader

from .textsearch import normalise

log = logging.getLogger("lienthong.dms.pdftext")

MAX_PAGES = 30
MAX_CHARS = 50_000


def searchable_text(*pdfs: bytes) -> str:
    """The normalised text of these PDFs, together at most :data:`MAX_CHARS` characters."""
    parts: list[str] = []
    size = 0
    for data in pdfs:
        for text in _pages(data):
            parts.append(text)
            size += len(text)
            if size >= MAX_CHARS:
                return normalise(" ".join(parts))[:MAX_CHARS]
    return normalise(" ".join(parts))[:MAX_CHARS]


def _pages(data: bytes) -> list[str]:
    # Untrusted bytes in a third-party parser: whatever it raises means "no text here".
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return []
        return [page.extract_text() or "" for page in reader.pages[:MAX_PAGES]]
    except Exception as exc:
        log.info("no text read from a PDF: %s", exc)
        return []
