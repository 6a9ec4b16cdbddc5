"""Where every call event enters: stored (deduplicated) first, then handed to the flows.

`accept` stores the event in `call_events` (unique call_id + type) and, in the same
transaction, lets `flows.enqueue_work` add its durable jobs, so a job exists exactly when its
event does (L3). After the commit it schedules `flows.on_event` for the live work (contact
search, screen pop); those tasks are kept referenced until they finish and their failures
are logged, never raised to the PBX.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from ringdesk import flows
from ringdesk.events.model import CallEvent
from ringdesk.store.tables import CallEvent as CallEventRow

__all__ = ["accept", "accept_async", "drain", "pending_tasks", "store_event"]

log = logging.getLogger(__name__)

# Running `on_event` tasks: asyncio keeps only weak references to tasks.
_TASKS: set[asyncio.Task[None]] = set()


def pending_tasks() -> set[asyncio.Task[None]]:
    """The live-work tasks still running (tests await them)."""
    return set(_TASKS)


async def drain(grace_seconds: float = 10.0) -> None:
    """On shutdown: let this loop's live work finish, cancelling what still runs after
    `grace_seconds`, so no task is left holding a database connection."""
    loop = asyncio.get_running_loop()
    tasks = {task for task in _TASKS if task.get_loop() is loop}
    if not tasks:
        return
    _done, pending = await asyncio.wait(tasks, timeout=grace_seconds)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=1.0)


def _count(state: Any, event: CallEvent, source: str, outcome: str) -> None:
    metrics = getattr(state, "metrics", None)
    if metrics is not None:
        metrics.call_events.labels(source=source, type=event.type, outcome=outcome).inc()


def store_event(state: Any, event: CallEvent, *, source: str, now: float | None = None) -> bool:
    """Store the event and enqueue its durable work in one transaction.

    Returns False (and changes nothing) when the same call_id + type was stored before.
    """
    now = time.time() if now is None else now
    key = (CallEventRow.call_id == event.call_id) & (CallEventRow.type == event.type)
    try:
        with state.db.session() as session:
            if session.scalar(select(CallEventRow.id).where(key)) is not None:
                _count(state, event, source, "duplicate")
                return False
            session.add(
                CallEventRow(
                    call_id=event.call_id,
                    type=event.type,
                    source=source[:40],
                    payload=event.as_payload(),
                    received_at=now,
                )
            )
            session.flush()
            flows.enqueue_work(session, event, now=now)
    except IntegrityError:
        # Two deliveries raced: the other one inserted first. Anything else is a real error.
        with state.db.session() as session:
            if session.scalar(select(CallEventRow.id).where(key)) is None:
                raise
        _count(state, event, source, "duplicate")
        return False
    _count(state, event, source, "accepted")
    return True


async def _live_work(state: Any, event: CallEvent) -> None:
    try:
        await flows.on_event(state, event)
    except Exception:
        log.exception("live work for %s %s failed", event.type, event.call_id)
        return
    try:
        await run_in_threadpool(_mark_processed, state, event)
    except Exception:
        log.exception("cannot mark %s %s processed", event.type, event.call_id)


def _mark_processed(state: Any, event: CallEvent) -> None:
    with state.db.session() as session:
        session.execute(
            update(CallEventRow)
            .where(CallEventRow.call_id == event.call_id, CallEventRow.type == event.type)
            .values(processed_at=time.time())
        )


def _schedule(state: Any, event: CallEvent) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        task = loop.create_task(_live_work(state, event))
        _TASKS.add(task)
        task.add_done_callback(_TASKS.discard)
        return
    app_loop: asyncio.AbstractEventLoop | None = getattr(state, "loop", None)
    if app_loop is not None and app_loop.is_running():
        # Called from a worker thread of a running app: hand the work to the app's loop.
        asyncio.run_coroutine_threadsafe(_live_work(state, event), app_loop)
        return
    # No loop anywhere (a CLI or a plain script): do the live work now.
    asyncio.run(_live_work(state, event))


def accept(state: Any, event: CallEvent, *, source: str) -> bool:
    """Store `event`, enqueue its jobs, then schedule `flows.on_event(state, event)`.

    Returns False for a duplicate (same call_id + type), which is neither stored nor
    processed again. Database errors propagate (the caller must not acknowledge).
    """
    if not store_event(state, event, source=source):
        return False
    _schedule(state, event)
    return True


async def accept_async(state: Any, event: CallEvent, *, source: str) -> bool:
    """`accept` for async callers: the database work runs in a worker thread."""
    if not await run_in_threadpool(store_event, state, event, source=source):
        return False
    _schedule(state, event)
    return True
