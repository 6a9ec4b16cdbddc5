"""Where every call event enters: stored (deduplicated) first, then handed to the flows.

`accept` stores the event in `call_events` (unique call_id + type) and, in the same
transaction, lets `enqueue_work` add its durable jobs, so a job exists exactly when its
event does (L3). After the commit it starts `on_event` for the live work (contact search,
screen pop) as a tracked background task; its failures are logged, never raised to the PBX.
"""

from __future__ import annotations

import asyncio
import logging

from ringdesk.events.model import CallEvent
from ringdesk.flows.callcontact import enqueue_contact, needs_contact
from ringdesk.flows.calllog import enqueue_call_logs
from ringdesk.flows.followup import CALL_TRIGGERS, enqueue_follow_up, has_follow_ups
from ringdesk.flows.screenpop import handle_ringing
from ringdesk.flows.tickets import enqueue_ticket
from ringdesk.integrations.options import effective_options
from ringdesk.services import Services
from ringdesk.store import calls, integrations, templates
from ringdesk.store.db import Session

__all__ = ["accept", "enqueue_work", "on_event", "store_event"]

log = logging.getLogger(__name__)
# Integrations whose call logs and tickets are queued; `needs_reconnect` ones too: their
# jobs wait in the outbox instead of being lost (L3, A8).
_DELIVERING = ("connected", "needs_reconnect")


def enqueue_work(session: Session, event: CallEvent, *, now: float) -> None:
    """Add the durable jobs this event causes, in the caller's transaction, for every
    integration (so they run whoever crashes, issue 12): settling the caller's contact on
    ringing (or on an ended call whose ringing never came); the `call_answered` and
    `call_ended` follow-ups; on `call.ended` the call logs (L1–L3) and the ticket (T1–T3),
    which wait for the contact (issue 13)."""
    for integration_id in integrations.list_ids(session, statuses=_DELIVERING):
        row = integrations.get(session, integration_id)
        if row is None:
            continue
        try:
            template = templates.get_template(session, row.template_id)
        except Exception:  # a broken template must not stop the event from being stored
            log.exception("template %s of integration %s unusable", row.template_id, row.id)
            continue
        options = effective_options(template, row.options or {})
        contact: str | None = None
        settles = needs_contact(template, creates=options.create_contact.enabled)
        if settles and event.type != "call.answered" and event.external_number():
            contact = enqueue_contact(session, event, row.id, now=now)
        trigger = CALL_TRIGGERS.get(event.type)
        if trigger and has_follow_ups(template, trigger):
            enqueue_follow_up(session, event, row.id, trigger, now=now)
        if event.type == "call.ended":
            enqueue_call_logs(session, event, row.id, options, now=now, waits_for=contact)
            enqueue_ticket(session, event, row.id, options, now=now, waits_for=contact)


async def on_event(services: Services, event: CallEvent) -> None:
    """Do the live work this event causes: the screen pop on ringing (C9). It only makes
    the pop fast; what must happen (the contact, follow-ups, logs) is in the durable jobs.
    Never raises: it runs as a background task after the event is stored."""
    try:
        if event.type == "call.ringing":
            await handle_ringing(services, event)
    except Exception:  # a background task has nobody to raise to; log and move on
        log.exception("live work for %s %s failed", event.type, event.call_id)


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
            enqueue_work(session, event, now=now)
    _count(services, event, source, "accepted" if fresh else "duplicate")
    return fresh


async def _live_work(services: Services, event: CallEvent) -> None:
    await on_event(services, event)
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
