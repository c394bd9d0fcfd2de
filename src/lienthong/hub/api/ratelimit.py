"""A per-system rate limit: a token bucket per connected system, in this process.

``LIENTHONG_RATE_LIMIT`` requests per second with a burst of twice that; 0 turns it off. Behind a
load balancer each hub process keeps its own buckets, so the effective limit scales with them.
"""

from __future__ import annotations

import threading
import time

from lienthong.hub.errors import HubError


class RateLimited(HubError):
    code = "rate-limited"
    status = 429


class TokenBuckets:
    def __init__(self) -> None:
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: int, rate: float) -> None:
        """Spend one token of ``key``'s bucket or raise :class:`RateLimited`."""
        if rate <= 0:
            return
        burst = rate * 2
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - stamp) * rate)
            if tokens < 1:
                wait = (1 - tokens) / rate
                self._buckets[key] = (tokens, now)
                raise RateLimited(
                    f"too many requests from this system; retry in {wait:.2f} s",
                    retry_after=max(1, round(wait + 0.5)),
                )
            self._buckets[key] = (tokens - 1, now)


BUCKETS = TokenBuckets()
