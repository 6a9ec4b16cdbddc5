"""Automatic tickets (T1–T3): whether a finished call gets a ticket (pure `wants_ticket`),
the durable job (one per integration and call), and its delivery.

`when`: `always`; `missed` = a call that reached us (inbound or internal) and was not
answered (missed, no answer, busy, failed, voicemail); `inbound` = every inbound call.
The ticket's owner is the answering agent, else the handling extension (U6).
"""

from __future__ import annotations

from ringdesk.events.model import CallEvent
from ringdesk.flows.calllog import call_log_payload, deliver_section
from ringdesk.flows.variables import call_status
from ringdesk.http.client import Exchange
from ringdesk.integrations.context import IntegrationContext
from ringdesk.integrations.options import Options
from ringdesk.outbox.jobs import ClaimedJob, Delivered
from ringdesk.services import Services
from ringdesk.store import outbox as queue
from ringdesk.store import users
from ringdesk.store.db import Session

__all__ = ["deliver", "enqueue_ticket", "ticket_key", "wants_ticket"]


def wants_ticket(event: CallEvent, when: str) -> bool:
    """T3: does `event` get a ticket under the rule `when`?"""
    if when == "inbound":
        return event.direction == "inbound"
    if when == "missed":
        return event.direction != "outbound" and call_status(event) != "Answered"
    return True


def ticket_key(integration_id: int, call_id: str) -> str:
    """The job key (and Idempotency-Key) of one call's ticket (T3, L3)."""
    return f"ticket:{integration_id}:{call_id}"


def enqueue_ticket(
    session: Session,
    event: CallEvent,
    integration_id: int,
    options: Options,
    *,
    now: float,
    waits_for: str | None = None,
) -> int:
    """Queue the ticket of a `call.ended` event for one integration (0 or 1 jobs)."""
    if not options.ticket.enabled or not wants_ticket(event, options.ticket.when):
        return 0
    extension = event.answered_by or event.extension
    queue.enqueue(
        session,
        kind="ticket",
        integration_id=integration_id,
        call_id=event.call_id,
        idempotency_key=ticket_key(integration_id, event.call_id),
        payload=call_log_payload(
            event,
            extension=extension,
            owner=users.owner_of(session, integration_id, extension),
            extension_name=users.extension_name(session, extension),
        ),
        now=now,
        waits_for=waits_for,
    )
    return 1


async def deliver(
    services: Services,
    ctx: IntegrationContext,
    job: ClaimedJob,
    *,
    capture: list[Exchange] | None = None,
) -> Delivered:
    """Create one ticket (sent like a call log, from the template's ticket section)."""
    return await deliver_section(services, ctx, job, "ticket", capture=capture)
