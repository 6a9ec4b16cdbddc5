"""Business flows: turn call events into helpdesk work (screen pops, contacts, logs, tickets).

Two entry points, called by `events.intake`:
- `enqueue_work(session, event, now=...)` runs inside the transaction that stores the event,
  so the outbox jobs it adds (call log, ticket) are durable exactly when the event is (L3).
- `on_event(services, event)` runs after the commit, for live work: contact search and the
  screen pop on ringing, follow-up requests on call triggers.
"""

from __future__ import annotations

import logging

from ringdesk.events.model import CallEvent
from ringdesk.flows.calllog import enqueue_call_logs
from ringdesk.flows.screenpop import fire_call_trigger, handle_ringing
from ringdesk.flows.tickets import enqueue_ticket
from ringdesk.integrations.options import effective_options
from ringdesk.services import Services
from ringdesk.store import integrations, templates
from ringdesk.store.db import Session

__all__ = ["enqueue_work", "on_event"]

log = logging.getLogger(__name__)
# Integrations whose call logs and tickets are queued; `needs_reconnect` ones too: their
# jobs wait in the outbox instead of being lost (L3, A8).
_DELIVERING = ("connected", "needs_reconnect")
_CALL_TRIGGERS = {"call.answered": "call_answered", "call.ended": "call_ended"}


def enqueue_work(session: Session, event: CallEvent, *, now: float) -> None:
    """Add the durable jobs this event causes: on `call.ended`, the call logs (L1–L3) and
    the ticket (T1–T3) of every integration that wants them."""
    if event.type != "call.ended":
        return
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
        enqueue_call_logs(session, event, row.id, options, now=now)
        enqueue_ticket(session, event, row.id, options, now=now)


async def on_event(services: Services, event: CallEvent) -> None:
    """Do the live work this event causes: the screen pop on ringing (C9), the
    `call_answered` / `call_ended` follow-up requests (F2) on the others. Never raises:
    it runs as a background task after the event is stored."""
    try:
        if event.type == "call.ringing":
            await handle_ringing(services, event)
        elif event.type in _CALL_TRIGGERS:
            await fire_call_trigger(services, event, _CALL_TRIGGERS[event.type])
    except Exception:  # a background task has nobody to raise to; log and move on
        log.exception("live work for %s %s failed", event.type, event.call_id)
