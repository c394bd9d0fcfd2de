"""The test PKI of the dms suite: lienthong's own test PKI (root, agency and person CAs, OCSP,
CRLs, TSA) served over real HTTP on the loopback port baked into its certificates."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from lienthong.signatures import testpki
from lienthong.signatures.testpki import Credential, PkiInfo

SENDER = "000.00.00.H25"
SENDER_NAME = "Ủy ban nhân dân tỉnh Hà Nam"
RECIPIENT = "000.00.00.H41"
RECIPIENT_NAME = "Ủy ban nhân dân tỉnh Nghệ An"


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class ServedPki:
    info: PkiInfo
    agencies: dict[str, Credential]
    persons: dict[str, Credential] = field(default_factory=dict)
    _server: BaseWSGIServer | None = None

    @property
    def root(self) -> Path:
        return self.info.root

    def start(self) -> None:
        self._server = make_server(
            "127.0.0.1",
            self.info.port,
            testpki.make_wsgi_app(self.info.directory),
            threaded=True,
            request_handler=_Quiet,
        )
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def make_served_pki(directory: Path) -> ServedPki:
    info = testpki.init_pki(directory, port=0)
    agencies = {
        SENDER: testpki.issue_agency(directory, code=SENDER, name=SENDER_NAME),
        RECIPIENT: testpki.issue_agency(directory, code=RECIPIENT, name=RECIPIENT_NAME),
    }
    persons = {
        SENDER: testpki.issue_person(
            directory, name="Nguyễn Văn An", title="Phó Chủ tịch", agency=SENDER
        ),
        RECIPIENT: testpki.issue_person(
            directory, name="Trần Thị Bình", title="Chủ tịch", agency=RECIPIENT
        ),
    }
    pki = ServedPki(info, agencies, persons)
    pki.start()
    return pki
