"""The outbox table (L3): enqueue (idempotent on the job's key), claim due jobs under a
lease, then finish, reschedule, fail or release them; manual retry; listings and depth.

Claiming is an UPDATE over a CTE selecting due ids (expired leases, then pending jobs). On
PostgreSQL the CTE takes `FOR UPDATE SKIP LOCKED`, so concurrent workers never wait for or
share a row; SQLite serialises writers, so the same statements are atomic there. A job is
due when it is pending and its time has come, or when it is running but its lease expired
(its worker died), which is what makes a crash lose nothing. Every finishing update is
fenced on `locked_by`, so a worker whose lease was taken over cannot overwrite the new
owner's outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, and_, bindparam, event, exists, func, or_, select, update
from sqlalchemy.orm import Session

from ringdesk.store.tables import Integration, OutboxJob
from ringdesk.store.unique import insert_unless_present

__all__ = [
    "STATUSES",
    "ClaimedJob",
    "add_waker",
    "calls_creating_contacts",
    "claim",
    "complete",
    "complete_many",
    "depth",
    "enqueue",
    "extend_leases",
    "fail",
    "get",
    "get_by_key",
    "list_jobs",
    "release",
    "release_held",
    "remove_waker",
    "reschedule",
    "retry_now",
    "status_counts",
    "statuses_of",
    "wake_after_commit",
]

STATUSES = ("pending", "running", "done", "failed")


@dataclass(frozen=True)
class ClaimedJob:
    """A job this worker holds the lease of; `attempts` includes the current one.

    `prefetched` is what the job kind's prefetcher read for the whole claimed batch (e.g.
    the call's stored contact match), or None when nothing was prefetched."""

    id: int
    kind: str
    integration_id: int
    call_id: str | None
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int
    waits_for: str | None = None
    prefetched: Any = field(default=None, compare=False)


# Core (table-level) statements: the ORM's per-statement bookkeeping cost more than the
# SQL itself, and it runs on worker threads that contend for the GIL with the event loop.
_TABLE: Table = OutboxJob.__table__  # type: ignore[assignment]
_T = _TABLE.c


def _claim_statement(due: Any, oldest_first: Sequence[Any]) -> Any:
    """UPDATE … RETURNING over a CTE of the `claim_limit` first rows matching `due`.

    Built once with bind parameters: constructing and cache-keying the statement cost more
    than running it. One index range per statement, so the database reads the first rows in
    index order instead of sorting every due row (an OR of both ranges did that: a claim
    cost grew with the backlog)."""
    due_ids = (
        select(_T.id)
        .where(due)
        .order_by(*oldest_first)
        .limit(bindparam("claim_limit"))
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite renders no locking clause
        # A CTE is evaluated once; an IN (sub-select) may be re-run per row by PostgreSQL's
        # planner and then ignore the LIMIT.
        .cte("due")
    )
    return (
        update(_TABLE)
        .where(_T.id == due_ids.c.id, due)
        .values(
            status="running",
            locked_by=bindparam("claim_worker"),
            locked_until=bindparam("claim_until"),
            attempts=_T.attempts + 1,
        )
        .returning(
            _T.id,
            _T.kind,
            _T.integration_id,
            _T.call_id,
            _T.idempotency_key,
            _T.payload,
            _T.attempts,
            _T.waits_for,
        )
    )


_NOW: Any = bindparam("claim_now")
_FIRST = _TABLE.alias("first")
# A job that waits for another (a call's log for its contact) is ready once that one is no
# longer pending or running, or once it has waited past the deadline.
_READY = or_(
    _T.waits_for.is_(None),
    ~exists(
        select(_FIRST.c.id).where(
            _FIRST.c.idempotency_key == _T.waits_for,
            _FIRST.c.status.in_(("pending", "running")),
        )
    ),
    _T.created_at <= bindparam("claim_wait_deadline"),
)
# A running job whose lease expired: its worker died (taken over first: it is the oldest).
_CLAIM_EXPIRED = _claim_statement(
    and_(_T.status == "running", _T.locked_until < _NOW), (_T.locked_until, _T.id)
)
# One integration's due jobs, urgent first: each integration is claimed on its own so one
# integration's backlog (a hanging helpdesk) never takes every slot from the others.
_CLAIM_PENDING = _claim_statement(
    and_(
        _T.integration_id == bindparam("claim_integration"),
        _T.status == "pending",
        _T.next_attempt_at <= _NOW,
        _READY,
    ),
    (_T.priority, _T.next_attempt_at, _T.id),
)
# The integrations to take turns over (a handful of rows; a GROUP BY over the due jobs
# would read the whole backlog on every claim).
_INTEGRATION_IDS = select(Integration.id).order_by(Integration.id)


def claim(
    session: Session,
    *,
    worker_id: str,
    now: float,
    lease: float,
    limit: int,
    budget: Callable[[int], int] | None = None,
    wait_deadline: float = 0.0,
    rotation: int = 0,
) -> list[ClaimedJob]:
    """Take up to `limit` due jobs, counting this attempt: expired leases first (their
    worker died), then each integration's due jobs, urgent first, at most `budget(id)` of
    one integration (fair delivery: a slow helpdesk keeps only its own share). The
    integrations take turns starting at `rotation`. A job waiting for another one is taken
    once that one finished, or when it was created before `wait_deadline`."""
    connection = session.connection()
    params: dict[str, Any] = {
        "claim_now": now,
        "claim_worker": worker_id,
        "claim_until": now + lease,
        "claim_wait_deadline": wait_deadline,
    }
    jobs = [
        ClaimedJob(*row)
        for row in connection.execute(_CLAIM_EXPIRED, {**params, "claim_limit": limit})
    ]
    due = [int(i) for i in connection.execute(_INTEGRATION_IDS).scalars()]
    if due:
        start = rotation % len(due)
        for integration_id in due[start:] + due[:start]:
            room = limit - len(jobs)
            if room <= 0:
                break
            share = room if budget is None else min(room, budget(integration_id))
            if share <= 0:
                continue
            rows = connection.execute(
                _CLAIM_PENDING,
                {**params, "claim_integration": integration_id, "claim_limit": share},
            )
            jobs.extend(ClaimedJob(*row) for row in rows)
    return sorted(jobs, key=lambda job: job.id)


def _mine(job_id: int, worker_id: str) -> Any:
    return and_(
        OutboxJob.id == job_id,
        OutboxJob.status == "running",
        OutboxJob.locked_by == worker_id,
    )


def _finish(session: Session, job_id: int, worker_id: str, **values: Any) -> bool:
    statement = (
        update(OutboxJob)
        .where(_mine(job_id, worker_id))
        .values(locked_by=None, locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def complete(
    session: Session, job_id: int, worker_id: str, *, now: float, result: dict[str, Any]
) -> bool:
    """Mark delivered; False when the lease was lost meanwhile."""
    return _finish(
        session, job_id, worker_id, status="done", done_at=now, result=result, last_error=None
    )


def reschedule(session: Session, job_id: int, worker_id: str, *, at: float, error: str) -> bool:
    """Back to pending, due at `at` (after a retryable failure)."""
    return _finish(
        session, job_id, worker_id, status="pending", next_attempt_at=at, last_error=error
    )


def fail(session: Session, job_id: int, worker_id: str, *, now: float, error: str) -> bool:
    """Give up: the job stays visible as failed until retried by hand."""
    return _finish(session, job_id, worker_id, status="failed", done_at=now, last_error=error)


def release(session: Session, job_id: int, worker_id: str, *, at: float, reason: str) -> bool:
    """Put a job back without counting the attempt (e.g. the integration needs reconnecting)."""
    return _finish(
        session,
        job_id,
        worker_id,
        status="pending",
        next_attempt_at=at,
        attempts=OutboxJob.attempts - 1,
        last_error=reason,
    )


_COMPLETE = (
    update(_TABLE)
    .where(
        _T.id == bindparam("job_id"),
        _T.status == "running",
        _T.locked_by == bindparam("worker_id"),
    )
    .values(
        status="done",
        done_at=bindparam("now"),
        result=bindparam("job_result", type_=_T.result.type),
        last_error=None,
        locked_by=None,
        locked_until=None,
    )
)


def complete_many(
    session: Session,
    worker_id: str,
    *,
    now: float,
    results: Sequence[tuple[int, dict[str, Any]]],
) -> None:
    """`complete` for many jobs in one executemany; each row is fenced like `complete`
    (a job whose lease was lost keeps its new owner's state)."""
    if not results:
        return
    session.connection().execute(
        _COMPLETE,
        [
            {"job_id": job_id, "worker_id": worker_id, "now": now, "job_result": result}
            for job_id, result in results
        ],
    )


def extend_leases(session: Session, worker_id: str, job_ids: Sequence[int], *, until: float) -> int:
    """Push the lease of jobs this worker still holds to `until`; returns how many it
    still held (a job taken over meanwhile keeps its new owner's lease)."""
    if not job_ids:
        return 0
    statement = (
        update(_TABLE)
        .where(_T.id.in_(job_ids), _T.status == "running", _T.locked_by == worker_id)
        .values(locked_until=until)
    )
    return int(session.connection().execute(statement).rowcount)


def retry_now(session: Session, job_id: int, *, now: float) -> OutboxJob | None:
    """Manual retry: a failed job becomes pending now with a fresh attempt budget.

    Returns the job, or None when there is no such job. A job that is not failed is
    returned unchanged (the caller reports the conflict).
    """
    job = session.get(OutboxJob, job_id)
    if job is None or job.status != "failed":
        return job
    job.status = "pending"
    job.attempts = 0
    job.next_attempt_at = now
    job.done_at = None
    session.flush()
    return job


def list_jobs(
    session: Session, *, status: str | None = None, limit: int = 100, offset: int = 0
) -> list[OutboxJob]:
    """Newest first, optionally of one status."""
    query = select(OutboxJob).order_by(OutboxJob.id.desc()).limit(limit).offset(offset)
    if status is not None:
        query = query.where(OutboxJob.status == status)
    return list(session.scalars(query))


def depth(session: Session, *, now: float) -> tuple[int, float]:
    """(jobs not yet delivered or failed, age in seconds of the oldest of them) for I8."""
    count, oldest = session.execute(
        select(func.count(OutboxJob.id), func.min(OutboxJob.created_at)).where(
            OutboxJob.status.in_(("pending", "running"))
        )
    ).one()
    return int(count), (max(0.0, now - float(oldest)) if oldest is not None else 0.0)


# -- enqueue ------------------------------------------------------------------------------

_WAKERS: set[Callable[[], None]] = set()
_HOOKED = "ringdesk.outbox.wake_hooked"


def add_waker(waker: Callable[[], None]) -> None:
    """Call `waker` (it must be thread-safe) after any transaction that enqueued a job, so
    in-process workers start at once; other processes find the job on their next poll."""
    _WAKERS.add(waker)


def remove_waker(waker: Callable[[], None]) -> None:
    _WAKERS.discard(waker)


def _wake(session: Session) -> None:
    session.info.pop(_HOOKED, None)
    for waker in list(_WAKERS):
        waker()


def _forget(session: Session) -> None:
    session.info.pop(_HOOKED, None)


def wake_after_commit(session: Session) -> None:
    """Wake the in-process workers once `session`'s transaction commits."""
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        event.listen(session, "after_commit", _wake, once=True)
        event.listen(session, "after_rollback", _forget, once=True)


def enqueue(
    session: Session,
    *,
    kind: str,
    integration_id: int,
    call_id: str | None,
    idempotency_key: str,
    payload: dict[str, Any],
    now: float,
    due: float | None = None,
    priority: int = 1,
    waits_for: str | None = None,
) -> bool:
    """Add a pending job due at `due` (default `now`); a no-op (False) when a job with
    `idempotency_key` exists. `priority` 0 is claimed before 1; `waits_for` names the key
    of a job that must finish first.

    Runs inside the caller's transaction, so the job is durable exactly when the caller's
    other work is. One statement (`insert_unless_present`): a concurrent insert of the same
    key makes this one a no-op, never undoes the caller's other work.
    """
    added = insert_unless_present(
        session,
        OutboxJob,
        {
            "kind": kind,
            "integration_id": integration_id,
            "call_id": call_id,
            "idempotency_key": idempotency_key,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now if due is None else due,
            "created_at": now,
            "priority": priority,
            "waits_for": waits_for,
        },
        key=("idempotency_key",),
    )
    if not added:
        return False  # a job with this key exists (perhaps queued a moment ago): it stands
    wake_after_commit(session)
    return True


_CREATE_CONTACT_JOBS_OF_CALLS = select(
    OutboxJob.integration_id, OutboxJob.call_id, OutboxJob.status
).where(
    OutboxJob.call_id.in_(bindparam("call_ids", expanding=True)),
    OutboxJob.kind == "create_contact",
)


def calls_creating_contacts(
    session: Session, keys: Iterable[tuple[int, str]]
) -> set[tuple[int, str]]:
    """The (integration, call) pairs among `keys` whose create-contact job is unfinished."""
    wanted = set(keys)
    call_ids = sorted({call_id for _, call_id in wanted})
    found: set[tuple[int, str]] = set()
    connection = session.connection()
    for start in range(0, len(call_ids), 500):
        chunk = {"call_ids": call_ids[start : start + 500]}
        for row in connection.execute(_CREATE_CONTACT_JOBS_OF_CALLS, chunk):
            key = (int(row.integration_id), str(row.call_id))
            if row.status in ("pending", "running") and key in wanted:
                found.add(key)
    return found


def status_counts(session: Session) -> tuple[dict[str, int], float | None]:
    """(jobs per status, created_at of the oldest pending job) for the metrics gauges."""
    counts = {
        str(status): int(count)
        for status, count in session.execute(
            select(OutboxJob.status, func.count()).group_by(OutboxJob.status)
        )
    }
    oldest = session.scalar(
        select(func.min(OutboxJob.created_at)).where(OutboxJob.status == "pending")
    )
    return counts, (float(oldest) if oldest is not None else None)


def get(session: Session, job_id: int, *, for_update: bool = False) -> OutboxJob | None:
    return session.get(OutboxJob, job_id, with_for_update=for_update)


def get_by_key(session: Session, idempotency_key: str) -> OutboxJob | None:
    """The job with this key (its kind, status, result), if any."""
    return session.scalar(select(OutboxJob).where(OutboxJob.idempotency_key == idempotency_key))


def release_held(session: Session, integration_id: int, *, now: float) -> int:
    """Make the integration's jobs that wait for authentication (A8) or for a reconnect
    due now (it was just connected again); returns how many."""
    result = session.execute(
        update(_TABLE)
        .where(
            _T.integration_id == integration_id,
            _T.status == "pending",
            _T.next_attempt_at > now,
            _T.last_error.like("waiting%"),
        )
        .values(next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0))


def statuses_of(session: Session, keys: Iterable[str]) -> dict[str, str]:
    """The status of each job whose key is among `keys` (absent: no such job)."""
    wanted = sorted(set(keys))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(_T.idempotency_key, _T.status).where(
                _T.idempotency_key.in_(wanted[start : start + 500])
            )
        )
        found.update({str(key): str(status) for key, status in rows})
    return found
