"""The wait before each retry: exponential, capped, jittered, and what the hub asks for."""

from __future__ import annotations

import pytest

from lienthong.client import Backoff


def _highest(low: float, high: float) -> float:
    return high


def _lowest(low: float, high: float) -> float:
    return low


def test_waits_double_until_the_cap() -> None:
    backoff = Backoff(retries=6, base=0.5, cap=4.0)
    assert [backoff.delay(n, uniform=_highest) for n in range(6)] == [0.5, 1, 2, 4, 4, 4]


def test_jitter_keeps_at_least_half_of_the_wait() -> None:
    backoff = Backoff(base=1.0, cap=8.0)
    assert [backoff.delay(n, uniform=_lowest) for n in range(3)] == [0.5, 1, 2]
    assert all(1 <= backoff.delay(1) <= 2 for _ in range(100))


def test_the_hub_s_retry_after_is_honoured_within_the_cap() -> None:
    backoff = Backoff(base=0.5, cap=3.0)
    assert backoff.delay(0, retry_after=2) == 2
    assert backoff.delay(0, retry_after=120) == 3
    assert backoff.delay(5, retry_after=0) == 0


def test_negative_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        Backoff(retries=-1)
