"""Prometheus metrics of the hub (``/api/v1/metrics``): submissions, latency, deliveries by state.

Counters and histograms live in this process; delivery states are read from the database at
scrape time (one grouped count), so every process reports the same truth about the queue.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

SUBMISSIONS = Counter(
    "lienthong_submissions",
    "Messages submitted, by outcome (accepted, repeat, refused) and refusal code",
    ["outcome", "code"],
    registry=REGISTRY,
)
SUBMIT_SECONDS = Histogram(
    "lienthong_submit_seconds",
    "Time to check and durably store one submission",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)


class _DeliveryStates(Collector):
    # Only the states that need watching (delivered ones are counted by the submission and
    # acknowledgement counters): a scrape never counts the whole history.
    _HELP = "Deliveries waiting (queued, leased) or given up (dead), by state"

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Without it the registry would call collect() at import time, before any database.
        yield GaugeMetricFamily("lienthong_deliveries", self._HELP, labels=["state"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from lienthong.hub.exchange.models import open_delivery_counts

        family = GaugeMetricFamily("lienthong_deliveries", self._HELP, labels=["state"])
        for state, count in open_delivery_counts().items():
            family.add_metric([state], count)
        yield family


class _Notifications(Collector):
    _HELP = "Webhook notifications waiting to be sent (pending) or given up (dead), by state"

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("lienthong_webhook_notifications", self._HELP, labels=["state"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from lienthong.hub.exchange.models import waiting_notification_counts

        family = GaugeMetricFamily("lienthong_webhook_notifications", self._HELP, labels=["state"])
        for state, count in waiting_notification_counts().items():
            family.add_metric([state], count)
        yield family


REGISTRY.register(_DeliveryStates())
REGISTRY.register(_Notifications())


def exposition() -> bytes:
    return bytes(generate_latest(REGISTRY))
