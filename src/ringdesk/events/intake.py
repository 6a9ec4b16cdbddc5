"""Where every call event enters: stored (deduplicated) first, then handed to the flows.

`accept` stores the event in `call_events` (unique call_id + type) and, in the same
transaction, lets `flows.enqueue_work` add its durable jobs, so a job exists exactly when its
event does (L3). After the commit it starts `flows.on_event` for the live work (contact
search, screen pop) as a tracked background task; its failures are logged, never raised to
the PBX.
"""

from __future__ import annotations

import asyncio
import logging

from ringdesk import flows
from ringdesk.events.model import CallEvent
from ringdesk.services import Services
from ringdesk.store import calls

__all__ = ["accept", "store_event"]

log = logging.getLogger(__name__)


def _count(services: Services, event: CallEvent, source: str, outcome: str) -> None:
    services.metrics.call_events.labels(source=source, type=event.type, outcome=outcome).inc()


def store_event(
    services: Services, event: CallEvent, *, source: str, now: float | None = None
) -> bool:
    """Store the event and enqueue its durable work in one transaction.

    Returns False (and changes nothing) when the same call_id + type was stored before.
    """
    now = services.clock.now() if now is None else now
    with services.database.session() as session:
        fresh = calls.add_event(
            session,
            call_id=event.call_id,
            type_=event.type,
            source=source,
            payload=event.as_payload(),
            now=now,
        )
        if fresh:
            flows.enqueue_work(session, event, now=now)
    _count(services, event, source, "accepted" if fresh else "duplicate")
    return fresh


async def _live_work(services: Services, event: CallEvent) -> None:
    await flows.on_event(services, event)
    try:
        await asyncio.to_thread(_mark_processed, services, event)
    except Exception:
        log.exception("cannot mark %s %s processed", event.type, event.call_id)


def _mark_processed(services: Services, event: CallEvent) -> None:
    with services.database.session() as session:
        calls.mark_processed(session, event.call_id, event.type, now=services.clock.now())


async def accept(services: Services, event: CallEvent, *, source: str) -> bool:
    """Store `event` and enqueue its jobs (in a worker thread), then start its live work.

    Returns False for a duplicate (same call_id + type), which is neither stored nor
    processed again. Database errors propagate (the caller must not acknowledge).
    """
    if not await asyncio.to_thread(store_event, services, event, source=source):
        return False
    services.tasks.spawn(_live_work(services, event), name=f"live-work-{event.type}")
    return True
