"""Business flows: turn call events into helpdesk work (screen pops, contacts, logs, tickets).

Two entry points, called by `events.intake`:
- `enqueue_work(session, event, now=...)` runs inside the transaction that stores the event,
  so the outbox jobs it adds (call log, ticket) are durable exactly when the event is (L3).
- `on_event(state, event)` runs after the commit, for live work: contact search and the
  screen pop on ringing, follow-up requests on call triggers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ringdesk.events.model import CallEvent

__all__ = ["enqueue_work", "on_event"]


def enqueue_work(session: Session, event: CallEvent, *, now: float) -> None:
    """Add the durable jobs this event causes: on `call.ended`, the call logs (L1–L3) and
    the ticket (T1–T3) of every integration that wants them (see `flows.calllog`)."""
    if event.type != "call.ended":
        return
    # Imported here: these modules import `ringdesk.outbox`, which the worker side imports
    # back through the job registry.
    from ringdesk.flows._delivery import delivery_integrations
    from ringdesk.flows.calllog import enqueue_call_logs
    from ringdesk.flows.tickets import enqueue_ticket

    for row, template in delivery_integrations(session):
        enqueue_call_logs(session, event, row, template, now=now)
        enqueue_ticket(session, event, row, template, now=now)


_CALL_TRIGGERS = {"call.answered": "call_answered", "call.ended": "call_ended"}


async def on_event(state: Any, event: CallEvent) -> None:
    """Do the live work this event causes: the screen pop on ringing (C9), the
    `call_answered` / `call_ended` follow-up requests (F2) on the others. Never raises:
    it runs as a background task after the event is stored."""
    import logging

    log = logging.getLogger(__name__)
    try:
        if event.type == "call.ringing":
            from ringdesk.flows.screenpop import handle_ringing

            await handle_ringing(state, event)
        elif event.type in _CALL_TRIGGERS:
            from ringdesk.flows.screenpop import fire_call_trigger

            await fire_call_trigger(state, event, _CALL_TRIGGERS[event.type])
    except Exception:  # a background task has nobody to raise to; log and move on
        log.exception("live work for %s %s failed", event.type, event.call_id)
