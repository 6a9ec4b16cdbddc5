"""The operators' dashboard queries: calls per hour (`call_events`), deliveries per hour by
outcome (`outbox`), helpdesk response times and errors per integration and hour
(`request_log`).

A window is `hours` whole hours ending with the current one (UTC hour boundaries). Counts
are grouped in SQL by an hour index, `(CAST(t AS INTEGER) - start) / 3600`, which is integer
arithmetic on SQLite and PostgreSQL alike; percentiles are not portable SQL, so response
times come back as per-hour lists of durations (the request log keeps a bounded number of
rows per integration, `request_log_retention`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, cast, func, literal_column, select
from sqlalchemy.orm import Session

from ringdesk.store.tables import CallEventRow, OutboxJob, RequestLogEntry

__all__ = [
    "HOUR",
    "MISSED_STATUSES",
    "CallsPerHour",
    "DeliveriesPerHour",
    "RequestsPerHour",
    "Window",
    "calls_per_hour",
    "deliveries_per_hour",
    "requests_per_hour",
]

HOUR = 3600
# call.ended statuses of a call nobody took (api.md "Call event").
MISSED_STATUSES = ("missed", "no_answer", "busy", "failed", "voicemail")


@dataclass(frozen=True)
class Window:
    """`hours` hour-long buckets; the last one holds `now` (so it is still filling)."""

    hours: int
    now: float

    @property
    def start(self) -> int:
        return (int(self.now) // HOUR - self.hours + 1) * HOUR

    @property
    def starts(self) -> list[int]:
        """The start (unix seconds) of every bucket, oldest first."""
        return [self.start + i * HOUR for i in range(self.hours)]

    def zeros(self) -> list[int]:
        return [0] * self.hours

    def index(self, raw: Any) -> int | None:
        """The bucket of an index computed in SQL, or None outside the window."""
        index = int(raw) if raw is not None else -1
        return index if 0 <= index < self.hours else None

    def bucket(self, column: Any) -> Any:
        """SQL: the bucket index of a unix-time column. `start` is our own integer, so it is
        written into the statement (PostgreSQL must see the same expression in GROUP BY)."""
        return ((cast(column, Integer) - literal_column(str(self.start))) // HOUR).label("bucket")


@dataclass
class CallsPerHour:
    """Calls by the hour their first event arrived: answered, missed, and still open (no
    `call.ended` yet, or one without a status)."""

    answered: list[int]
    missed: list[int]
    open: list[int]


@dataclass
class DeliveriesPerHour:
    """Outbox jobs: done and failed by the hour they finished; retrying (waiting for another
    attempt after a failed one) by the hour they were queued."""

    done: list[int]
    retrying: list[int]
    failed: list[int]
    now: dict[str, int] = field(default_factory=dict)  # every job, by status, at this moment


@dataclass
class RequestsPerHour:
    """One integration's helpdesk requests per hour: durations (ms) and how many failed (no
    answer, or HTTP 400 and above)."""

    integration_id: int
    durations: list[list[float]]
    errors: list[int]


def calls_per_hour(session: Session, window: Window) -> CallsPerHour:
    first = (
        select(CallEventRow.call_id, func.min(CallEventRow.received_at).label("first_at"))
        .where(CallEventRow.received_at >= window.start)
        .group_by(CallEventRow.call_id)
        .subquery()
    )
    ended = (
        select(
            CallEventRow.call_id,
            CallEventRow.payload["status"].as_string().label("status"),
        )
        .where(CallEventRow.type == "call.ended")
        .subquery()
    )
    bucket = window.bucket(first.c.first_at)
    rows = session.execute(
        select(bucket, ended.c.status, func.count())
        .select_from(first.outerjoin(ended, ended.c.call_id == first.c.call_id))
        .group_by(literal_column("bucket"), ended.c.status)
    )
    out = CallsPerHour(window.zeros(), window.zeros(), window.zeros())
    for raw, status, count in rows:
        index = window.index(raw)
        if index is None:
            continue
        if status == "answered":
            out.answered[index] += int(count)
        elif status in MISSED_STATUSES:
            out.missed[index] += int(count)
        else:
            out.open[index] += int(count)
    return out


def _counts(session: Session, window: Window, column: Any, *where: Any) -> list[int]:
    bucket = window.bucket(column)
    series = window.zeros()
    query = (
        select(bucket, func.count())
        .where(column >= window.start, *where)
        .group_by(literal_column("bucket"))
    )
    for raw, count in session.execute(query):
        index = window.index(raw)
        if index is not None:
            series[index] += int(count)
    return series


def deliveries_per_hour(session: Session, window: Window) -> DeliveriesPerHour:
    job = OutboxJob
    now = {
        str(status): int(count)
        for status, count in session.execute(select(job.status, func.count()).group_by(job.status))
    }
    return DeliveriesPerHour(
        done=_counts(session, window, job.done_at, job.status == "done"),
        retrying=_counts(
            session,
            window,
            job.created_at,
            job.status.in_(("pending", "running")),
            job.attempts > 0,
        ),
        failed=_counts(session, window, job.done_at, job.status == "failed"),
        now=now,
    )


def requests_per_hour(
    session: Session, window: Window, integration_ids: Iterable[int] | None = None
) -> list[RequestsPerHour]:
    """Per integration with requests in the window (or each of `integration_ids`)."""
    entry = RequestLogEntry
    query = select(
        entry.integration_id, window.bucket(entry.created_at), entry.duration_ms, entry.status
    ).where(entry.created_at >= window.start, entry.integration_id.is_not(None))
    found: dict[int, RequestsPerHour] = {}
    for integration_id in integration_ids or ():
        found[integration_id] = _empty_requests(integration_id, window)
    for integration_id, raw, duration, status in session.execute(query):
        index = window.index(raw)
        if index is None:
            continue
        series = found.get(integration_id)
        if series is None:
            series = found[integration_id] = _empty_requests(integration_id, window)
        series.durations[index].append(float(duration or 0.0))
        if status is None or status >= 400:
            series.errors[index] += 1
    return [found[k] for k in sorted(found)]


def _empty_requests(integration_id: int, window: Window) -> RequestsPerHour:
    return RequestsPerHour(integration_id, [[] for _ in range(window.hours)], window.zeros())
