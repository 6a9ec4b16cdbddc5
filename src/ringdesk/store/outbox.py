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

from sqlalchemy import Table, and_, bindparam, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ringdesk.store.tables import OutboxJob

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
    "remove_waker",
    "reschedule",
    "retry_now",
    "status_counts",
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
        )
    )


_NOW: Any = bindparam("claim_now")
# A running job whose lease expired: its worker died (taken over first: it is the oldest).
_CLAIM_EXPIRED = _claim_statement(
    and_(_T.status == "running", _T.locked_until < _NOW), (_T.locked_until, _T.id)
)
_CLAIM_PENDING = _claim_statement(
    and_(_T.status == "pending", _T.next_attempt_at <= _NOW), (_T.next_attempt_at, _T.id)
)


def claim(
    session: Session, *, worker_id: str, now: float, lease: float, limit: int
) -> list[ClaimedJob]:
    """Take up to `limit` due jobs, oldest due first, counting this attempt."""
    connection = session.connection()
    jobs: list[ClaimedJob] = []
    for statement in (_CLAIM_EXPIRED, _CLAIM_PENDING):
        if len(jobs) >= limit:
            break
        params = {
            "claim_now": now,
            "claim_limit": limit - len(jobs),
            "claim_worker": worker_id,
            "claim_until": now + lease,
        }
        jobs.extend(ClaimedJob(*row) for row in connection.execute(statement, params))
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
) -> bool:
    """Add a pending job due `now`; a no-op (False) when a job with `idempotency_key` exists.

    Runs inside the caller's transaction, so the job is durable exactly when the caller's
    other work is. The check and the insert share a SAVEPOINT: a concurrent insert of the
    same key (a unique violation) only undoes this job, never the caller's other work.
    """
    exists = select(OutboxJob.id).where(OutboxJob.idempotency_key == idempotency_key)
    if session.execute(exists).first() is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                OutboxJob(
                    kind=kind,
                    integration_id=integration_id,
                    call_id=call_id,
                    idempotency_key=idempotency_key,
                    payload=payload,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    except IntegrityError:
        return False  # another transaction queued the same key first: that job stands
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
