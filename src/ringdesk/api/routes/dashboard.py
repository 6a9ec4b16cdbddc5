"""REST resource: the operators' dashboard (`GET /dashboard?hours=24`), the data behind the
admin UI's charts: calls per hour, screen-pop latency, deliveries by outcome, helpdesk
response times and error rates per integration, and each integration's token state.

Everything but the screen pops comes from the database (`store.dashboard`), so every
process shows the same numbers. Screen-pop latency is the in-process histogram
`ringdesk_screen_pop_latency_seconds`: this process's pops since it started; its p50/p99
are estimated from the histogram's buckets as Prometheus' `histogram_quantile` does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query
from prometheus_client import Counter, Histogram
from pydantic import BaseModel

from ringdesk.api.deps import AdminDep, ServicesDep, SessionDep
from ringdesk.errors import TemplateError
from ringdesk.store import dashboard as repo
from ringdesk.store import integrations as integrations_repo
from ringdesk.store import templates as templates_repo

__all__ = ["Dashboard", "histogram_buckets", "histogram_quantile", "quantile", "router"]

router = APIRouter(tags=["dashboard"], dependencies=[AdminDep])

MAX_HOURS = 7 * 24


class CallSeries(BaseModel):
    """Calls per hour by outcome (open: no `call.ended` yet)."""

    answered: list[int]
    missed: list[int]
    open: list[int]
    total: int


class DeliverySeries(BaseModel):
    """Outbox jobs per hour: done and failed by finishing hour, retrying by queueing hour;
    `now` counts every job by status at this moment."""

    done: list[int]
    retrying: list[int]
    failed: list[int]
    now: dict[str, int]


class HelpdeskSeries(BaseModel):
    """One integration's helpdesk requests per hour, and over the whole window (`total_*`).
    Rates and times are null for hours without requests."""

    integration_id: int
    name: str
    requests: list[int]
    errors: list[int]
    error_rate: list[float | None]
    p50_ms: list[float | None]
    p95_ms: list[float | None]
    total_requests: int
    total_errors: int
    total_error_rate: float | None
    total_p50_ms: float | None
    total_p95_ms: float | None


class LatencyBucket(BaseModel):
    le: float | None  # upper bound in seconds; null for the last bucket (+inf)
    count: int  # pops in this bucket alone (not cumulative)


class ScreenPops(BaseModel):
    """This process's screen pops since it started (not shared between processes)."""

    scope: str
    published: int
    delivered: int
    p50_ms: float | None
    p99_ms: float | None
    buckets: list[LatencyBucket]


class TokenState(BaseModel):
    id: int
    name: str
    helpdesk: str
    auth_method: str
    status: str
    status_message: str | None
    token_expires_at: float | None
    token_refreshed_at: float | None


class Dashboard(BaseModel):
    generated_at: float
    hours: int
    buckets: list[int]  # start of each hour (unix seconds), oldest first
    calls: CallSeries
    deliveries: DeliverySeries
    helpdesks: list[HelpdeskSeries]
    screen_pops: ScreenPops
    integrations: list[TokenState]


def quantile(values: Sequence[float], q: float) -> float | None:
    """The `q` quantile of `values` with linear interpolation between ranks; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def histogram_quantile(q: float, buckets: Sequence[tuple[float, float]]) -> float | None:
    """Estimate the `q` quantile from cumulative buckets `[(upper bound, count ≤ bound)]`
    ending with +inf: linear within the bucket holding the rank, starting at 0; a rank in
    the +inf bucket gives the highest finite bound. None when nothing was observed."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower, below = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank and count > below:
            if math.isinf(bound):
                return lower
            return lower + (bound - lower) * (rank - below) / (count - below)
        lower, below = (bound if not math.isinf(bound) else lower), count
    return lower


def histogram_buckets(histogram: Histogram) -> list[tuple[float, float]]:
    """The cumulative `(le, count)` pairs of an unlabelled prometheus_client histogram."""
    pairs = [
        (float(sample.labels["le"]), float(sample.value))
        for metric in histogram.collect()
        for sample in metric.samples
        if sample.name.endswith("_bucket")
    ]
    return sorted(pairs)


def _counter_total(counter: Counter) -> int:
    return int(
        sum(s.value for m in counter.collect() for s in m.samples if s.name.endswith("_total"))
    )


def _screen_pops(histogram: Histogram, delivered: Counter) -> ScreenPops:
    cumulative = histogram_buckets(histogram)
    per_bucket: list[LatencyBucket] = []
    below = 0.0
    for bound, count in cumulative:
        le = None if math.isinf(bound) else bound
        per_bucket.append(LatencyBucket(le=le, count=int(count - below)))
        below = count
    p50, p99 = (histogram_quantile(q, cumulative) for q in (0.5, 0.99))
    return ScreenPops(
        scope="process",
        published=int(cumulative[-1][1]) if cumulative else 0,
        delivered=_counter_total(delivered),
        p50_ms=None if p50 is None else round(p50 * 1000, 1),
        p99_ms=None if p99 is None else round(p99 * 1000, 1),
        buckets=per_bucket,
    )


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _helpdesk(series: repo.RequestsPerHour, name: str) -> HelpdeskSeries:
    counts = [len(d) for d in series.durations]
    every = [v for hour in series.durations for v in hour]
    total, errors = len(every), sum(series.errors)
    return HelpdeskSeries(
        integration_id=series.integration_id,
        name=name,
        requests=counts,
        errors=series.errors,
        error_rate=[
            round(100 * e / n, 1) if n else None for e, n in zip(series.errors, counts, strict=True)
        ],
        p50_ms=[_ms(quantile(d, 0.5)) for d in series.durations],
        p95_ms=[_ms(quantile(d, 0.95)) for d in series.durations],
        total_requests=total,
        total_errors=errors,
        total_error_rate=round(100 * errors / total, 1) if total else None,
        total_p50_ms=_ms(quantile(every, 0.5)),
        total_p95_ms=_ms(quantile(every, 0.95)),
    )


@router.get("/dashboard")
def get_dashboard(
    services: ServicesDep,
    session: SessionDep,
    hours: Annotated[int, Query(ge=1, le=MAX_HOURS, description="Hours shown, ending now.")] = 24,
) -> Dashboard:
    """The dashboard's data over the last `hours` hours, one value per hour (the last hour
    is still filling). Screen-pop latency is this process's own view since it started."""
    window = repo.Window(hours=hours, now=services.clock.now())
    rows = integrations_repo.list_all(session)
    templates: dict[str, tuple[str, str]] = {}
    for template_id in {r.template_id for r in rows}:
        try:
            template = templates_repo.get_template(session, template_id)
            templates[template_id] = (template.general.name, template.authentication.method)
        except (LookupError, TemplateError):
            templates[template_id] = (template_id, "")
    names = {r.id: r.name for r in rows}
    calls = repo.calls_per_hour(session, window)
    deliveries = repo.deliveries_per_hour(session, window)
    requests = repo.requests_per_hour(session, window, names)
    return Dashboard(
        generated_at=window.now,
        hours=hours,
        buckets=window.starts,
        calls=CallSeries(
            answered=calls.answered,
            missed=calls.missed,
            open=calls.open,
            total=sum(calls.answered) + sum(calls.missed) + sum(calls.open),
        ),
        deliveries=DeliverySeries(
            done=deliveries.done,
            retrying=deliveries.retrying,
            failed=deliveries.failed,
            now=deliveries.now,
        ),
        helpdesks=[_helpdesk(s, names.get(s.integration_id, "?")) for s in requests],
        screen_pops=_screen_pops(services.metrics.screen_pop_latency, services.metrics.screen_pops),
        integrations=[
            TokenState(
                id=r.id,
                name=r.name,
                helpdesk=templates[r.template_id][0],
                auth_method=templates[r.template_id][1],
                status=r.status,
                status_message=r.status_message,
                token_expires_at=r.token_expires_at,
                token_refreshed_at=r.token_refreshed_at,
            )
            for r in rows
        ],
    )
