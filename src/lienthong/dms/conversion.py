"""Word-processor files (DOCX, and ODT or DOC) made into PDF/A by LibreOffice, for drafts.

A specialist may upload the draft as written in Word; the dms stores the PDF that LibreOffice
exports from it, as PDF/A-2b with every font embedded, so it can be signed and archived like a
PDF uploaded as such. LibreOffice is optional: where ``soffice`` is not installed, only PDF is
accepted (:func:`available`).

Each conversion runs in a temporary directory of its own with its own LibreOffice profile:
two conversions at once do not share (and lock) one profile, and nothing of the document stays
on disk afterwards. The input filter is named, so a file that is not what its name says is
refused instead of being imported as text.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePath

import pikepdf
from django.utils.translation import gettext as _

from lienthong.dms.errors import DmsError

# Filter options understood by LibreOffice 7.4 and later; SelectPdfVersion 2 is PDF/A-2b.
PDF_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
TIMEOUT_SECONDS = 60.0
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class _Kind:
    magic: bytes
    import_filter: str
    member: str  # a part every such zip holds; "" for DOC, which is not a zip


_KINDS = {
    ".docx": _Kind(_ZIP, "MS Word 2007 XML", "word/document.xml"),
    ".odt": _Kind(_ZIP, "writer8", "content.xml"),
    ".doc": _Kind(_OLE, "MS Word 97", ""),
}
EXTENSIONS = tuple(_KINDS)


class ConversionError(DmsError):
    """A word-processor file could not be made into a PDF; the message says so to the clerk."""

    code = "conversion-failed"


class ConverterMissing(ConversionError):
    code = "converter-missing"


class ConversionFailed(ConversionError):
    code = "conversion-failed"


class ConversionTimeout(ConversionError):
    code = "conversion-timeout"


def soffice() -> str | None:
    """The LibreOffice program on the PATH, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    return soffice() is not None


def converts(name: str) -> bool:
    """Whether ``name`` is a file this module converts (by its extension)."""
    return PurePath(name).suffix.lower() in _KINDS


def pdf_name(name: str) -> str:
    """The name of the PDF made from ``name``: ``to-trinh.docx`` gives ``to-trinh.pdf``."""
    return str(PurePath(PurePath(name).name).with_suffix(".pdf"))


def to_pdf(
    data: bytes,
    name: str,
    *,
    program: str | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> bytes:
    """The PDF/A-2b LibreOffice makes of ``data``, a DOCX, ODT or DOC named ``name``.

    ``program`` is the LibreOffice to run (by default :func:`soffice`). Raises
    :class:`ConverterMissing`, :class:`ConversionFailed` (not such a file, or LibreOffice
    wrote no PDF) or :class:`ConversionTimeout` (the process group is killed)."""
    shown = PurePath(name).name or "văn bản"
    kind = _KINDS.get(PurePath(name).suffix.lower())
    if kind is None or not _looks_like(data, kind):
        raise ConversionFailed(_failed(shown))
    program = program or soffice()
    if program is None:
        raise ConverterMissing(_missing())
    with tempfile.TemporaryDirectory(prefix="lienthong-convert-") as work:
        root = Path(work)
        # A fixed file name: the user's own name never reaches the command line.
        source = root / f"source{PurePath(name).suffix.lower()}"
        source.write_bytes(data)
        command = [
            program,
            f"-env:UserInstallation={(root / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"--infilter={kind.import_filter}",
            "--convert-to",
            PDF_FILTER,
            "--outdir",
            str(root / "out"),
            str(source),
        ]
        _run(command, shown, timeout, cwd=root)
        made = root / "out" / "source.pdf"
        pdf = made.read_bytes() if made.is_file() else b""
    try:
        return _checkable(pdf)
    except pikepdf.PdfError:  # no PDF written, or not one that opens
        raise ConversionFailed(_failed(shown)) from None


def _checkable(pdf: bytes) -> bytes:
    """LibreOffice's PDF/A, rewritten so that :func:`lienthong.archive.pdfa.check_pdfa` can
    confirm it. pikepdf's validator approves only what it knows, and LibreOffice adds two keys
    it does not: the trailer's /DocChecksum, and an /OpenAction that merely opens page 1.
    LibreOffice 7.4 also writes a page's tab order (/Tabs, on pages with links) as a string
    where PDF wants a name. None of this changes what the document shows."""
    with pikepdf.open(BytesIO(pdf)) as document:
        for dictionary, key in ((document.trailer, "/DocChecksum"), (document.Root, "/OpenAction")):
            if key in dictionary:
                del dictionary[key]
        for page in document.pages:
            tabs = page.obj.get("/Tabs")
            if isinstance(tabs, pikepdf.String):
                page.obj.Tabs = pikepdf.Name("/" + str(tabs))
        out = BytesIO()
        document.save(out)
    return out.getvalue()


def _looks_like(data: bytes, kind: _Kind) -> bool:
    if not data.startswith(kind.magic):
        return False
    if not kind.member:
        return True
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return kind.member in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _run(command: list[str], shown: str, timeout: float, cwd: Path) -> None:
    try:
        # A session of its own: on a timeout the whole group (soffice.bin too) is killed.
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, the user's file renamed
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        raise ConverterMissing(_missing()) from None
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise ConversionTimeout(
            _(
                "Converting the file %(name)s to PDF took more than %(seconds)s seconds and was "
                "stopped. Please try again, or save the document as PDF and upload that."
            )
            % {"name": shown, "seconds": f"{timeout:g}"}
        ) from None
    if process.returncode != 0:
        raise ConversionFailed(_failed(shown))


def _missing() -> str:
    return _(
        "LibreOffice is not installed on this server, so the file cannot be converted to PDF. "
        "Please save the document as PDF and upload that."
    )


def _failed(shown: str) -> str:
    return _(
        "The file %(name)s could not be converted to PDF: it is not a valid DOCX, ODT or DOC "
        "document, or it is damaged. Please check the file, or save the document as PDF and "
        "upload that."
    ) % {"name": shown}
