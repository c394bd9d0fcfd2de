"""How long to wait before each retry: exponential, capped, with jitter (pure arithmetic).

Jitter keeps many clients that lost the hub at the same moment from all coming back at the same
moment; the cap keeps one call's total wait bounded.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """``retries`` retries after the first attempt; before retry ``n`` (from 0) wait a random
    time between half and all of ``min(cap, base * 2**n)`` seconds, or what the hub asked for
    in ``Retry-After``, never more than ``cap``."""

    retries: int = 3
    base: float = 0.5
    cap: float = 8.0

    def __post_init__(self) -> None:
        if self.retries < 0 or self.base < 0 or self.cap < 0:
            raise ValueError("retries and backoff times cannot be negative")

    def delay(
        self,
        retry: int,
        *,
        retry_after: float | None = None,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> float:
        if retry_after is not None:
            return min(self.cap, max(0.0, retry_after))
        ceiling = min(self.cap, self.base * 2.0**retry)
        return uniform(ceiling / 2, ceiling)
