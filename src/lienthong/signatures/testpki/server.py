"""Serving the test PKI over HTTP on loopback: OCSP, CRLs, certificates and time-stamps.

certomancer's Animator answers OCSP, time-stamp and certificate requests; CRLs come from
:mod:`.crl`. The application rebuilds itself whenever the state file changes, so a ``revoke``
made by another process shows in the very next answer of a running server.

The Animator honours certomancer's ``X-Certomancer-Fake-Time`` request header: a test may ask
for an OCSP answer, a CRL or a time-stamp as of another moment (time travel).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, ServiceLabel
from cryptography.hazmat.primitives import serialization
from werkzeug.exceptions import NotFound
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from ..errors import PkiError
from . import architecture
from .crl import current_crl
from .issuing import PkiInfo, open_pki
from .names import CAS
from .records import Layout, PkiState, load_state

_PEM_CRL_MIME: Final = "application/x-pem-file"
_DER_CRL_MIME: Final = "application/pkix-crl"


class _PkiAnimator(Animator):
    """certomancer's Animator for one state of the PKI, with CRLs dated at the request."""

    def __init__(self, layout: Layout, state: PkiState) -> None:
        arch = architecture.build(layout, state)
        super().__init__(
            AnimatorArchStore({ArchLabel(architecture.ARCH): arch}),
            with_web_ui=False,  # the web UI would hand out every private key
            allow_time_override=True,
        )
        self._layout = layout
        self._state = state
        self._arch = arch

    def at_time(self, request: Request) -> dt.datetime:
        # Whole seconds: DER GeneralizedTime in OCSP answers may not carry fractions, and strict
        # parsers (cryptography's) refuse an answer whose producedAt does.
        moment: dt.datetime = super().at_time(request)  # type: ignore[no-untyped-call]
        return moment.replace(microsecond=0)

    def serve_crl(
        self,
        request: Request,
        *,
        label: ServiceLabel,
        arch: str,
        crl_no: int | None,
        use_pem: bool,
    ) -> Response:
        # Only the latest CRL of each CA exists; certomancer's numbered archive is not kept.
        if arch != architecture.ARCH or crl_no is not None or str(label) not in CAS:
            raise NotFound()
        crl = current_crl(
            self._layout,
            self._state,
            str(label),
            url=architecture.crl_url(self._arch, str(label)),
            at=self.at_time(request),
        )
        if use_pem:
            return Response(crl.public_bytes(serialization.Encoding.PEM), mimetype=_PEM_CRL_MIME)
        return Response(crl.public_bytes(serialization.Encoding.DER), mimetype=_DER_CRL_MIME)


class _ReloadingApp:
    """The WSGI application: the Animator of the current state, rebuilt when the state changes."""

    def __init__(self, directory: Path) -> None:
        self._layout = Layout.of(directory)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._animator = self._current()  # refuses a folder that is not a PKI at once

    def _current(self) -> _PkiAnimator:
        with self._lock:
            try:
                stat = self._layout.state.stat()
                stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            except FileNotFoundError:
                stamp = None  # load_state below says what is wrong
            if stamp is None or stamp != self._stamp:
                self._animator = _PkiAnimator(self._layout, load_state(self._layout))
                self._stamp = stamp
            return self._animator

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        result: Iterable[bytes] = self._current()(environ, start_response)
        return result


def make_wsgi_app(directory: Path) -> WSGIApplication:
    """A WSGI application serving the PKI's OCSP, CRLs, certificates and time-stamps."""
    return _ReloadingApp(directory)


def _bound_server(directory: Path, host: str, port: int | None, **options: Any) -> BaseWSGIServer:
    if not _is_loopback(host):
        raise PkiError(f"the test PKI serves on loopback only, not on {host!r}")
    info = open_pki(directory)
    try:
        return make_server(host, port or info.port, make_wsgi_app(directory), **options)
    except OSError as exc:
        raise PkiError(f"cannot listen on {host}:{port or info.port}: {exc.strerror}") from None


def serve(directory: Path, *, host: str = "127.0.0.1", port: int | None = None) -> None:
    """Serve the PKI until interrupted (blocking); ``port`` defaults to the one baked in."""
    server = _bound_server(directory, host, port, threaded=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


class _QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serving(
    directory: Path, *, host: str = "127.0.0.1", port: int | None = None
) -> Iterator[PkiInfo]:
    """Serve the PKI from a background thread while the block runs (for tests and demos)."""
    server = _bound_server(
        directory, host, port, threaded=True, request_handler=_QuietRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="lienthong-pki", daemon=True)
    thread.start()
    try:
        yield open_pki(directory)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
