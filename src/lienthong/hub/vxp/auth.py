"""Who is calling, and which parameters they signed: the VXP authentication (docs/VXP.md)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from lienthong.hub.api.ratelimit import BUCKETS
from lienthong.hub.registry.models import ConnectedSystem

from . import errors, headers
from .replay import first_sight


@dataclass(frozen=True)
class Call:
    """An authenticated request: the connected system and the parameters it signed."""

    request: HttpRequest
    system: ConnectedSystem
    signed: headers.SignedHeaders

    def param(self, key: str) -> str | None:
        """Parameter ``key`` (``XroadVnpt-<key>``) as signed, or None if not signed."""
        try:
            return self.signed.param(key, self._header)
        except headers.Mismatch as exc:
            raise errors.VxpRefusal(errors.HEADER_MISMATCH, str(exc)) from None

    def required(self, key: str) -> str:
        try:
            return self.signed.required(key, self._header)
        except headers.Mismatch as exc:
            raise errors.VxpRefusal(errors.HEADER_MISMATCH, str(exc)) from None
        except headers.Unsigned as exc:
            raise errors.VxpRefusal(errors.HEADER_MISMATCH, str(exc)) from None
        except headers.Missing as exc:
            raise errors.VxpRefusal(errors.REQUEST_INVALID, str(exc)) from None

    def _header(self, name: str) -> str | None:
        return _raw_header(self.request, name)


def _raw_header(request: HttpRequest, name: str) -> str | None:
    """A header's value as the client sent it: WSGI and ASGI hand it over as Latin-1 text,
    so this is the original bytes decoded as UTF-8 (what the client signed)."""
    value = request.headers.get(name)
    if value is None:
        return None
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def authenticate(request: HttpRequest) -> Call:
    """The connected system whose secret signed this request, or a refusal.

    In order: the system (``systemid``), the HMAC over the sign-header as received, the signed
    ``systemid`` and ``timestamp`` (in the window), the rate limit, then the replay check — only
    authentic requests are remembered.
    """
    sign_header = request.headers.get(headers.SIGN_HEADER)
    hash_header = request.headers.get(headers.HASH_HEADER)
    systemid = _raw_header(request, headers.PREFIX + "systemid")
    if not sign_header or not hash_header or not systemid:
        raise errors.VxpRefusal(
            errors.AUTH_HEADERS_INVALID, "systemid, sign-header and hash-header are all needed"
        )
    system = (
        ConnectedSystem.objects.filter(application__client_id=systemid, active=True)
        .select_related("application")
        .first()
    )
    if system is None:
        raise errors.VxpRefusal(errors.SYSTEM_UNKNOWN, f"no active system {systemid!r}")
    secret = system.client_secret()
    if secret is None:
        raise errors.VxpRefusal(
            errors.SYSTEM_UNKNOWN,
            "the hub keeps no usable secret for this system: ask the operator to reissue it",
        )
    raw = sign_header.encode("latin-1", errors="replace")
    expected = headers.hmac_hex(secret, raw)
    if not headers.hmac_matches(expected, hash_header):
        raise errors.VxpRefusal(errors.HMAC_INVALID)
    try:
        signed = headers.SignedHeaders.parse(raw)
    except headers.WireError as exc:
        raise errors.VxpRefusal(errors.AUTH_HEADERS_INVALID, str(exc)) from None
    call = Call(request, system, signed)
    if call.param("systemid") != systemid:
        raise errors.VxpRefusal(errors.HEADER_MISMATCH, "the systemid is not the one signed")
    _check_timestamp(call)
    BUCKETS.take(system.pk, settings.LIENTHONG.rate_limit)
    if not first_sight(expected, settings.LIENTHONG.vxp_window_seconds):
        raise errors.VxpRefusal(errors.REPLAY)
    return call


def _check_timestamp(call: Call) -> None:
    text = call.param("timestamp")
    if text is None:
        raise errors.VxpRefusal(errors.TIMESTAMP_INVALID, "the timestamp is not signed")
    try:
        local = headers.parse_timestamp(text)
    except headers.WireError as exc:
        raise errors.VxpRefusal(errors.TIMESTAMP_INVALID, str(exc)) from None
    window = settings.LIENTHONG.vxp_window_seconds
    if not headers.timestamp_fresh(local, timezone.now(), timezone.get_default_timezone(), window):
        raise errors.VxpRefusal(
            errors.TIMESTAMP_INVALID,
            f"{text} is more than {window} s from the hub's clock "
            f"({timezone.localtime():%d%m%YT%H%M%S}, {timezone.get_default_timezone_name()})",
        )
