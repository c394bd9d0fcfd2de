"""Shared fixtures for PDF signing and validation: a real test PKI served over real HTTP.

One PKI per session, made with :mod:`lienthong.signatures.testpki` in a temporary folder, its
OCSP responders, CRLs and TSA served by a werkzeug server on the loopback port baked into its
certificates. The server sits behind a switchboard, so a test can take one service down (the
TSA, OCSP, CRLs) or stop the server altogether, and have it back afterwards.

Credentials issued once: an agency and its competent person (valid), a person whose
certificate expired, one revoked, and one whose key is for encipherment only. Images (a blue
transparent signature, a red round seal at 300 DPI) and a one-page decision are generated here.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import PdfResources
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from pyhanko.sign.signers import Signer
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from lienthong.signatures import testpki
from lienthong.signatures.appearance import Box, StampFont
from lienthong.signatures.keys import KeySource, open_signer
from lienthong.signatures.testpki import Credential, PkiInfo
from lienthong.signatures.trust import ValidationPolicy

AGENCY_CODE = "000.00.00.H25"
AGENCY_NAME = "Ủy ban nhân dân tỉnh Hà Nam"
PERSON_NAME = "Nguyễn Văn An"
PERSON_TITLE = "Phó Chủ tịch"
# Where the sample decision leaves room for the signature, between title and name (points).
SIGNATURE_GAP = Box(330, 110, 520, 190)
# An ASCII marker inside the signed content, for tampering tests.
CONTENT_MARKER = b"% lienthong sample decision"
SERVICES = ("ocsp", "crls", "tsa")


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class Switchboard:
    """The PKI's WSGI app, with services that a test can take down (HTTP 503)."""

    app: Any
    down: set[str] = field(default_factory=set)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        parts = environ.get("PATH_INFO", "").strip("/").split("/")
        service = parts[1] if len(parts) > 1 else ""
        if service in self.down:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"down for the test"]
        result: Iterable[bytes] = self.app(environ, start_response)
        return result


@dataclass
class ServedPki:
    """The session's PKI, its credentials and its server."""

    info: PkiInfo
    agency: Credential
    person: Credential
    expired: Credential
    revoked: Credential
    encipherment: Credential
    switchboard: Switchboard
    _server: BaseWSGIServer | None = None
    _thread: threading.Thread | None = None

    @property
    def policy(self) -> ValidationPolicy:
        return ValidationPolicy.from_paths([self.info.root])

    def start(self) -> None:
        self._server = make_server(
            "127.0.0.1",
            self.info.port,
            self.switchboard,
            threaded=True,
            request_handler=_Quiet,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._server.server_close()
            self._server = self._thread = None

    @contextmanager
    def outage(self, *services: str) -> Iterator[None]:
        """These services answer 503 while the block runs."""
        assert set(services) <= set(SERVICES), services
        before = set(self.switchboard.down)
        self.switchboard.down |= set(services)
        try:
            yield
        finally:
            self.switchboard.down = before

    @contextmanager
    def gone(self) -> Iterator[None]:
        """No server at all while the block runs (connection refused)."""
        self.stop()
        try:
            yield
        finally:
            self.start()


@pytest.fixture(scope="session")
def served_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedPki]:
    pki = make_served_pki(tmp_path_factory.mktemp("pdf-pki"))
    pki.start()
    yield pki
    pki.stop()


def make_served_pki(directory: Path) -> ServedPki:
    """A new test PKI in ``directory`` with the credentials above issued, not yet served."""
    # port=0: the PKI picks a free loopback port, bakes it in, and the server binds it below.
    info = testpki.init_pki(directory, port=0)
    now = dt.datetime.now(dt.UTC)
    agency = testpki.issue_agency(directory, code=AGENCY_CODE, name=AGENCY_NAME)
    pki = ServedPki(
        info=info,
        agency=agency,
        person=testpki.issue_person(
            directory, name=PERSON_NAME, title=PERSON_TITLE, agency=AGENCY_CODE
        ),
        expired=testpki.issue_person(
            directory,
            name="Trần Thị Bình",
            title="Chánh Văn phòng",
            agency=AGENCY_CODE,
            not_before=now - dt.timedelta(days=400),
            not_after=now - dt.timedelta(days=2),
        ),
        revoked=testpki.issue_person(
            directory, name="Lê Văn Cường", title="Giám đốc Sở", agency=AGENCY_CODE
        ),
        encipherment=testpki.issue_person(
            directory,
            name="Phạm Thị Dung",
            title="Văn thư",
            agency=AGENCY_CODE,
            key_usage="encipherment",
        ),
        switchboard=Switchboard(testpki.make_wsgi_app(directory)),
    )
    testpki.revoke(directory, pki.revoked.cert, reason="key_compromise")
    return pki


@pytest.fixture
def pki(served_pki: ServedPki) -> Iterator[ServedPki]:
    """The served PKI, all services up at the start of each test."""
    served_pki.switchboard.down.clear()
    yield served_pki
    served_pki.switchboard.down.clear()


@contextmanager
def signer_for(credential: Credential) -> Iterator[Signer]:
    source = KeySource.from_options(p12=credential.p12, p12_password=credential.p12_password)
    with open_signer(source) as signer:
        yield signer


@pytest.fixture(scope="session")
def other_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The root of another test PKI, which signed nothing here."""
    return testpki.init_pki(tmp_path_factory.mktemp("other-pki"), port=0).root


# --- images and documents ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def signature_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A handwritten-looking signature: blue strokes on a transparent background, 5:2."""
    image = Image.new("RGBA", (600, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(30, 180), (150, 40), (220, 200), (330, 60), (420, 170), (570, 90)]
    draw.line(points, fill=(20, 40, 200, 255), width=10, joint="curve")
    path = tmp_path_factory.mktemp("images") / "chu-ky.png"
    image.save(path)
    return path


SEAL_DPI = 300
SEAL_PIXELS = 425  # 36 mm at 300 DPI


@pytest.fixture(scope="session")
def seal_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A red round seal, transparent outside and between the rings, 36 mm across at 300 DPI."""
    image = Image.new("RGBA", (SEAL_PIXELS, SEAL_PIXELS), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (220, 20, 20, 230)
    last = SEAL_PIXELS - 5
    draw.ellipse([5, 5, last, last], outline=red, width=14)
    draw.ellipse([60, 60, SEAL_PIXELS - 60, SEAL_PIXELS - 60], outline=red, width=6)
    draw.regular_polygon((SEAL_PIXELS / 2, SEAL_PIXELS / 2, 60), 5, fill=red)
    path = tmp_path_factory.mktemp("images") / "con-dau.png"
    image.save(path, dpi=(SEAL_DPI, SEAL_DPI))
    return path


def make_decision_pdf(*, padding: bytes = b"") -> bytes:
    """A one-page A4 decision: heading, title lines, room for the signature, the signer's name.

    ``padding`` is appended to the page as an uncompressed comment (to make a large file)."""
    writer = PdfFileWriter()
    resources = PdfResources()
    operations = [CONTENT_MARKER]

    def text(x: float, y: float, content: str, size: int = 13) -> None:
        box = TextBox(
            TextBoxStyle(font=StampFont(), font_size=size),
            writer=writer,
            resources=resources,
            font_name=f"F{len(operations)}",
        )
        box.content = content
        operations.append(b"q 1 0 0 1 %g %g cm " % (x, y) + box.render() + b" Q")

    text(72, 750, f"{AGENCY_NAME.upper()}\nQUYẾT ĐỊNH về việc phê duyệt kế hoạch năm 2025")
    text(340, 200, "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH")
    text(350, 90, PERSON_NAME)
    if padding:
        operations.append(b"%" + padding.replace(b"\n", b" ").replace(b"\r", b" "))
    page = PageObject(
        contents=writer.add_object(generic.StreamObject(stream_data=b"\n".join(operations))),
        media_box=generic.ArrayObject(generic.NumberObject(v) for v in (0, 0, 595, 842)),
        resources=resources.as_pdf_object(),
    )
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="session")
def decision_pdf() -> bytes:
    return make_decision_pdf()
