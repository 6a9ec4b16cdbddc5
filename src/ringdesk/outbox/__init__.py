"""Durable delivery of helpdesk work (L3): jobs are rows of the `outbox` table, added in the
same transaction as the call event that causes them, and delivered by `outbox.worker`.

`enqueue` is the one way in. It is idempotent on the job's key, so replaying an event never
queues the same work twice. In-process workers are woken right after the enqueuing
transaction commits (`add_waker`); other processes find the job on their next poll.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ringdesk.store.tables import OutboxJob

__all__ = ["JOB_KINDS", "add_waker", "enqueue", "remove_waker", "wake_after_commit"]

JOB_KINDS = ("create_contact", "call_log", "ticket")

_WAKERS: set[Callable[[], None]] = set()
_HOOKED = "ringdesk.outbox.wake_hooked"


def add_waker(waker: Callable[[], None]) -> None:
    """Call `waker` (it must be thread-safe) after any transaction that enqueued a job."""
    _WAKERS.add(waker)


def remove_waker(waker: Callable[[], None]) -> None:
    _WAKERS.discard(waker)


def _wake(session: Session) -> None:
    session.info.pop(_HOOKED, None)
    for waker in list(_WAKERS):
        waker()


def _forget(session: Session) -> None:
    session.info.pop(_HOOKED, None)


def enqueue(
    session: Session,
    *,
    kind: str,
    integration_id: int,
    call_id: str | None,
    idempotency_key: str,
    payload: dict[str, Any],
    now: float,
) -> None:
    """Add a pending job due `now`; a no-op when a job with `idempotency_key` exists.

    Runs inside the caller's transaction. The check and the insert share a SAVEPOINT, so a
    concurrent insert of the same key (a unique violation) only undoes this job, never the
    caller's other work.
    """
    if kind not in JOB_KINDS:
        raise ValueError(f"unknown outbox job kind {kind!r}")
    exists = select(OutboxJob.id).where(OutboxJob.idempotency_key == idempotency_key)
    if session.execute(exists).first() is not None:
        return
    from sqlalchemy.exc import IntegrityError

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
        return  # another transaction queued the same key first: that job stands
    wake_after_commit(session)


def wake_after_commit(session: Session) -> None:
    """Wake the in-process workers once `session`'s transaction commits."""
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        event.listen(session, "after_commit", _wake, once=True)
        event.listen(session, "after_rollback", _forget, once=True)
