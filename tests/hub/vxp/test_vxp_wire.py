"""The hub's reading of the VXP wire format (``lienthong.hub.vxp.headers``, pure functions), and
the vendor documentation's error table against the code's."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from lienthong.hub.vxp import errors, headers

DOCS = Path(__file__).resolve().parents[3] / "docs" / "vxp.md"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def test_the_timestamp_is_local_time_with_milliseconds_after_the_plus() -> None:
    assert headers.parse_timestamp("25112026T173527+0922") == dt.datetime(
        2026, 11, 25, 17, 35, 27, 922_000
    )
    assert headers.parse_timestamp("01012027T000000+0005").microsecond == 5_000


@pytest.mark.parametrize(
    "text",
    ["25112026T173527", "25112026T173527+1000", "2026-11-25T17:35:27", "31022026T000000+0000"],
)
def test_other_timestamps_are_refused(text: str) -> None:
    with pytest.raises(headers.WireError):
        headers.parse_timestamp(text)


def test_the_window_is_measured_in_the_hubs_zone() -> None:
    now = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
    local = dt.datetime(2026, 11, 25, 17, 4)  # 10:04 UTC in Hồ Chí Minh City
    assert headers.timestamp_fresh(local, now, HCM, 300)
    assert not headers.timestamp_fresh(local, now, HCM, 200)
    assert not headers.timestamp_fresh(local.replace(hour=10), now, HCM, 300)


def test_the_hash_file_is_accepted_padded_or_not() -> None:
    candidates = (str(i).encode() for i in range(1000))
    body = next(b for b in candidates if min(hashlib.sha256(b).digest()) < 0x10)
    digest = hashlib.sha256(body).digest()
    unpadded = "".join(f"{b:x}" for b in digest)
    assert len(unpadded) < 64
    assert headers.hash_file_matches(body, unpadded)
    assert headers.hash_file_matches(body, digest.hex().upper())
    assert not headers.hash_file_matches(body + b"!", unpadded)
    assert not headers.hash_file_matches(body, "")


def test_a_signed_parameter_must_match_its_header() -> None:
    signed = headers.SignedHeaders.parse(b'{"XroadVnpt-docId":"a","XroadVnpt-level":2}')
    sent = {"XroadVnpt-docId": "a", "XroadVnpt-level": "2", "XroadVnpt-status": "done"}
    assert signed.param("docId", sent.get) == "a"
    assert signed.param("level", sent.get) == "2"
    assert signed.param("status", sent.get) is None  # sent, not signed: ignored
    with pytest.raises(headers.Unsigned):
        signed.required("status", sent.get)
    with pytest.raises(headers.Missing):
        signed.required("from", sent.get)
    with pytest.raises(headers.Mismatch):
        signed.param("docId", {"XroadVnpt-docId": "b"}.get)


@pytest.mark.parametrize(
    "text",
    [b"[]", b"not json", b'{"XroadVnpt-a":{"b":1}}', b'{"XroadVnpt-a":"1","xroadvnpt-A":"2"}'],
)
def test_a_sign_header_that_is_not_a_flat_json_object_is_refused(text: bytes) -> None:
    with pytest.raises(headers.WireError):
        headers.SignedHeaders.parse(text)


def test_the_hmac_is_over_the_sign_header_bytes_with_the_secret() -> None:
    import hmac

    text = b'{"XroadVnpt-systemid":"sys.01"}'
    expected = hmac.new(b"s3cret", text, hashlib.sha256).hexdigest()
    assert headers.hmac_hex("s3cret", text) == expected
    assert headers.hmac_matches(expected, expected.upper())


def test_every_error_code_is_documented_for_vendors() -> None:
    table = DOCS.read_text()
    for reason in errors.every_reason():
        assert f"| `{reason.code}` | {reason.desc} |" in table, reason
    assert "0" not in [r.code for r in errors.every_reason()]
