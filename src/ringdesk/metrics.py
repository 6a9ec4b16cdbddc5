"""Prometheus metrics (I8), one registry per app so several apps (tests) never collide.

Outbox depth and age are gauges computed on scrape from the `outbox` table, so every
process reports the shared queue without keeping a counter in sync.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST

_POP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)


class Metrics:
    """The service's metrics. Names are the contract (contracts.md); label values are free."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.helpdesk_requests = Counter(
            "ringdesk_helpdesk_requests",
            "Outbound helpdesk requests by helpdesk (template id) and HTTP status.",
            ["helpdesk", "status"],
            registry=r,
        )
        self.outbox_depth = Gauge(
            "ringdesk_outbox_depth",
            "Outbox jobs by status (pending, failed), read from the database on scrape.",
            ["status"],
            registry=r,
        )
        self.outbox_oldest_age = Gauge(
            "ringdesk_outbox_oldest_age_seconds",
            "Age of the oldest pending outbox job in seconds (0 when none).",
            registry=r,
        )
        self.screen_pop_latency = Histogram(
            "ringdesk_screen_pop_latency_seconds",
            "Time from a ringing event's arrival to the pop reaching an agent's browser.",
            buckets=_POP_BUCKETS,
            registry=r,
        )
        self.token_refresh_failures = Counter(
            "ringdesk_token_refresh_failures",
            "Failed OAuth2 token refreshes by helpdesk.",
            ["helpdesk"],
            registry=r,
        )
        self.call_events = Counter(
            "ringdesk_call_events",
            "Call events received, by source, type and outcome (accepted, duplicate).",
            ["source", "type", "outcome"],
            registry=r,
        )
        self.screen_pops = Counter(
            "ringdesk_screen_pops",
            "Screen pops delivered to agent browsers.",
            registry=r,
        )
        for status in ("pending", "failed"):
            self.outbox_depth.labels(status=status).set(0)

    def set_outbox(
        self, counts: Mapping[str, int], oldest_pending: float | None, *, now: float | None = None
    ) -> None:
        """Set the outbox gauges from the table's counts per status and the creation time
        of its oldest pending job (read by `store.outbox.status_counts`)."""
        now = time.time() if now is None else now
        for status in ("pending", "failed"):
            self.outbox_depth.labels(status=status).set(counts.get(status, 0))
        self.outbox_oldest_age.set(
            max(0.0, now - oldest_pending) if oldest_pending is not None else 0.0
        )

    def render(self) -> bytes:
        """The registry in Prometheus text format."""
        return generate_latest(self.registry)
