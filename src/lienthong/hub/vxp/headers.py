"""The VXP wire format, pure (docs/VXP.md): the signed-header JSON, its HMAC, the SDK's
timestamp and its unpadded ``hash-file``. Bytes and strings in, values out; no Django, no I/O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

PREFIX = "XroadVnpt-"
SIGN_HEADER = PREFIX + "sign-header"
HASH_HEADER = PREFIX + "hash-header"

_TIMESTAMP = re.compile(r"(\d{2})(\d{2})(\d{4})T(\d{2})(\d{2})(\d{2})\+(\d{1,4})")
_HEX = re.compile(r"[0-9a-fA-F]{1,128}")


class WireError(ValueError):
    """The request does not follow the VXP wire format; ``what`` names the part."""

    def __init__(self, what: str, message: str) -> None:
        super().__init__(message)
        self.what = what


class Missing(WireError):
    """A parameter the verb needs is not there."""


class Unsigned(WireError):
    """A parameter the verb needs was sent as a header but the client did not sign it."""


class Mismatch(WireError):
    """A header differs from the value the client signed for it."""


def hmac_hex(secret: str, sign_header: bytes) -> str:
    """Lowercase hex of HMAC-SHA256(secret as UTF-8, the sign-header bytes as received)."""
    return hmac.new(secret.encode("utf-8"), sign_header, hashlib.sha256).hexdigest()


def hmac_matches(expected_hex: str, given: str) -> bool:
    return hmac.compare_digest(expected_hex, given.strip().lower())


def parse_timestamp(text: str) -> dt.datetime:
    """``ddMMyyyy'T'HHmmss+SSSS``: the client's local wall time (naive) with milliseconds after
    the ``+`` (the SDK's ``SSSS``; not a time zone)."""
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        raise WireError("timestamp", f"{text!r} is not ddMMyyyy'T'HHmmss+SSSS")
    day, month, year, hour, minute, second, millis = (int(g) for g in match.groups())
    if millis > 999:
        raise WireError("timestamp", f"{text!r}: {millis} is not a millisecond count")
    try:
        return dt.datetime(year, month, day, hour, minute, second, millis * 1000)
    except ValueError as exc:
        raise WireError("timestamp", f"{text!r} is not a date and time: {exc}") from None


def timestamp_fresh(
    local: dt.datetime, now: dt.datetime, zone: dt.tzinfo, window_seconds: int
) -> bool:
    """Whether the naive local time ``local`` (in ``zone``) is within the window of ``now``."""
    moment = local.replace(tzinfo=zone)
    return abs((moment - now).total_seconds()) <= window_seconds


def sdk_hex(digest: bytes) -> str:
    """The reference SDK's hex: each byte without zero padding (``0d`` → ``d``)."""
    return "".join(format(byte, "x") for byte in digest)


def hash_file_matches(body: bytes, given: str) -> bool:
    """``given`` is the body's SHA-256 in the normal 64-digit form or the SDK's unpadded one."""
    text = given.strip().lower()
    if not _HEX.fullmatch(text):
        return False
    digest = hashlib.sha256(body).digest()
    return hmac.compare_digest(text, digest.hex()) or hmac.compare_digest(text, sdk_hex(digest))


@dataclass(frozen=True)
class SignedHeaders:
    """The parameters the client signed, keyed by lowercased name without the prefix."""

    values: Mapping[str, str]

    @classmethod
    def parse(cls, sign_header: bytes) -> SignedHeaders:
        try:
            document = json.loads(sign_header.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise WireError("sign-header", "the sign-header is not a JSON object") from None
        if not isinstance(document, dict):
            raise WireError("sign-header", "the sign-header is not a JSON object")
        values: dict[str, str] = {}
        for name, value in document.items():
            if not name.lower().startswith(PREFIX.lower()):
                continue  # only XroadVnpt-* entries can steer a call
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise WireError("sign-header", f"the signed {name} is not a string")
            key = name[len(PREFIX) :].lower()
            text = str(value)
            if values.get(key, text) != text:
                raise WireError("sign-header", f"{name} is signed twice with different values")
            values[key] = text
        return cls(values)

    def param(self, key: str, header: Callable[[str], str | None]) -> str | None:
        """The value of parameter ``key`` the call may act on: its signed value, provided the
        header ``XroadVnpt-<key>`` carries the same. A header sent but not signed is ignored
        (it must not steer the call); one that differs from its signed value is refused."""
        signed = self.values.get(key.lower())
        if signed is None:
            return None
        sent = header(PREFIX + key)
        if sent != signed:
            raise Mismatch(key, f"the header {PREFIX}{key} differs from its signed value")
        return signed

    def required(self, key: str, header: Callable[[str], str | None]) -> str:
        value = self.param(key, header)
        if value is None or not value.strip():
            if header(PREFIX + key) is not None:
                raise Unsigned(key, f"the header {PREFIX}{key} is not in the signed headers")
            raise Missing(key, f"the header {PREFIX}{key} is missing")
        return value.strip()
