"""Automatic tickets (T1–T3): whether a finished call gets a ticket (pure `wants_ticket`),
the durable job (one per integration and call), and its delivery.

`when`: `always`; `missed` = a call that reached us (inbound or internal) and was not
answered (missed, no answer, busy, failed, voicemail); `inbound` = every inbound call.
The ticket's owner is the answering agent, else the handling extension (U6).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ringdesk.events.model import CallEvent
from ringdesk.flows import _delivery
from ringdesk.flows.calllog import deliver_section
from ringdesk.flows.variables import call_status
from ringdesk.outbox import enqueue
from ringdesk.outbox.jobs import Delivered
from ringdesk.outbox.queue import ClaimedJob
from ringdesk.store.tables import Integration
from ringdesk.templates.model import Template

__all__ = ["deliver", "enqueue_ticket", "wants_ticket"]


def wants_ticket(event: CallEvent, when: str) -> bool:
    """T3: does `event` get a ticket under the rule `when`?"""
    if when == "inbound":
        return event.direction == "inbound"
    if when == "missed":
        return event.direction != "outbound" and call_status(event) != "Answered"
    return True


def enqueue_ticket(
    session: Session, event: CallEvent, row: Integration, template: Template, *, now: float
) -> int:
    """Queue the ticket of a `call.ended` event for one integration (0 or 1 jobs)."""
    options = _delivery.ticket_options(template, row.options or {})
    if not options["enabled"] or not wants_ticket(event, str(options["when"])):
        return 0
    extension = event.answered_by or event.extension
    enqueue(
        session,
        kind="ticket",
        integration_id=row.id,
        call_id=event.call_id,
        idempotency_key=f"ticket:{row.id}:{event.call_id}",
        payload={
            "event": event.as_payload(),
            "extension": extension,
            "owner": _delivery.owner_of(session, row.id, extension),
            "extension_name": _delivery.extension_name(session, extension),
        },
        now=now,
    )
    return 1


async def deliver(state: Any, ctx: Any, job: ClaimedJob) -> Delivered:
    """Create one ticket (sent like a call log, from the template's ticket section)."""
    return await deliver_section(state, ctx, job, "ticket")
