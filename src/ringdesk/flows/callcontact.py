"""Settling a call's contact, durably (issues 12, 13): for each integration, one `contact`
outbox job per call decides who the caller is — the match the screen pop stored, else the
helpdesk's live answer, else the local phonebook, else (when the integration creates
contacts) a contact created now — and stores it as the call's match. The call's log and
ticket wait for this job (`waits_for`), so they always carry the contact the search found or
created, however fast the events come, and whichever process crashes.

The job is queued in the transaction that stores the ringing (or, for a call whose ringing
never arrived, the ended) event, due a moment later: the receiving process's screen pop
usually stores the match first, and the job then finishes without asking the helpdesk. If
that process died before popping, the job pops the caller itself while the call is recent
(`POP_MAX_AGE`) and has not ended. `call_ringing`, `contact_not_found` and `contact_created`
follow-ups fire once the job is recorded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

from ringdesk.errors import HelpdeskError
from ringdesk.events.model import CallEvent
from ringdesk.flows import createcontact
from ringdesk.flows.contacts import Contact, search_contacts
from ringdesk.flows.followup import follow_ups_after
from ringdesk.flows.screenpop import build_pop, pop_targets
from ringdesk.http.client import Exchange
from ringdesk.integrations.context import IntegrationContext
from ringdesk.outbox.jobs import ClaimedJob, Delivered
from ringdesk.services import Services
from ringdesk.store import calls, phonebook
from ringdesk.store import outbox as queue
from ringdesk.store.db import Session
from ringdesk.templates.model import Template

__all__ = [
    "CONTACT_GRACE_SECONDS",
    "POP_MAX_AGE",
    "contact_key",
    "deliver",
    "enqueue_contact",
    "needs_contact",
]

# The settling job is due this long after the ringing: time for the live screen pop to store
# the match, so the job usually finishes without a request of its own.
CONTACT_GRACE_SECONDS = 2.0
# A job that finds the caller pops the agent's screen only while the call is this recent
# (seconds since the ringing arrived) and has not ended: later, nobody is looking.
POP_MAX_AGE = 20.0

Source = Literal["match", "helpdesk", "phonebook", "created", "none"]


def contact_key(integration_id: int, call_id: str) -> str:
    """The key of a call's contact-settling job on one integration."""
    return f"contact:{integration_id}:{call_id}"


def needs_contact(template: Template, *, creates: bool) -> bool:
    """Whether an integration settles callers' contacts at all: it searches contacts, or it
    creates them."""
    return bool(template.contact_search.contact_types) or creates


def enqueue_contact(session: Session, event: CallEvent, integration_id: int, *, now: float) -> str:
    """Queue the call's contact job (once per integration and call) and return its key:
    due after the grace period on ringing, at once on a call whose ringing never came."""
    key = contact_key(integration_id, event.call_id)
    queue.enqueue(
        session,
        kind="contact",
        integration_id=integration_id,
        call_id=event.call_id,
        idempotency_key=key,
        payload={"event": event.as_payload(), "received_at": now},
        now=now,
        due=now + CONTACT_GRACE_SECONDS if event.type == "call.ringing" else now,
        priority=0,
    )
    return key


def _stored(services: Services, ctx: IntegrationContext, call_id: str) -> tuple[bool, bool]:
    """(a match is stored, the call has ended)."""
    with services.database.session() as session:
        match = calls.get_match(session, ctx.integration_id, call_id)
        ended = calls.event_exists(session, call_id, "call.ended")
    return match is not None, ended


def _save(services: Services, ctx: IntegrationContext, call_id: str, contact: Contact) -> None:
    with services.database.session() as session:
        calls.save_match(
            session,
            ctx.integration_id,
            call_id,
            contact_type=contact.contact_type,
            contact_id=contact.id,
            fields=contact.fields,
            popup_url=contact.popup_url,
        )


def _local(services: Services, ctx: IntegrationContext, number: str) -> Contact | None:
    with services.database.connection() as connection:
        hit = phonebook.first_match(
            connection, number, region=ctx.options.region, integration_id=ctx.integration_id
        )
    if hit is None:
        return None
    return Contact(hit.contact_type, hit.contact_id, hit.fields, hit.popup_url)


def _late_pop(
    services: Services, ctx: IntegrationContext, event: CallEvent, contact: Contact | None
) -> None:
    pop = build_pop(
        event,
        integration_id=ctx.integration_id,
        integration=ctx.name,
        number=event.external_number(),
        contact=contact,
        source="helpdesk" if contact else "none",
    )
    for extension in pop_targets(event):
        services.hub.publish(extension, pop)


def _chain(*steps: Callable[[], Awaitable[None]] | None) -> Callable[[], Awaitable[None]] | None:
    present = [step for step in steps if step is not None]
    if not present:
        return None

    async def run() -> None:
        for step in present:
            await step()

    return run


async def _create(
    services: Services,
    ctx: IntegrationContext,
    event: CallEvent,
    number: str,
    capture: list[Exchange] | None,
) -> Delivered:
    """N1–N3: create the caller's contact with the same key (and Idempotency-Key) an agent's
    "create contact" would use, so the caller is never created twice."""
    contact_type = ctx.options.create_contact.contact_type
    job = ClaimedJob(
        id=0,
        kind="create_contact",
        integration_id=ctx.integration_id,
        call_id=event.call_id,
        idempotency_key=createcontact.create_contact_key(ctx.integration_id, event.call_id),
        payload=createcontact.create_contact_payload(event, number, contact_type),
        attempts=1,
    )
    return await createcontact.deliver(services, ctx, job, capture=capture)


async def deliver(
    services: Services,
    ctx: IntegrationContext,
    job: ClaimedJob,
    *,
    capture: list[Exchange] | None = None,
) -> Delivered:
    """Settle the call's contact on `ctx`'s integration; raises a retryable HelpdeskError
    when the helpdesk could not be asked (the job is retried; the call's log waits)."""
    event = CallEvent.model_validate(job.payload["event"])
    number = event.external_number()
    matched, ended = await asyncio.to_thread(_stored, services, ctx, event.call_id)
    ringing_follow_ups = (
        follow_ups_after(services, ctx, "call_ringing", {"Phone": number, "CallId": event.call_id})
        if event.type == "call.ringing"
        else None
    )
    if matched or not number:
        source: Source = "match" if matched else "none"
        return Delivered(result={"source": source}, after=ringing_follow_ups)
    age = services.clock.now() - float(job.payload.get("received_at") or 0)
    may_pop = event.type == "call.ringing" and age <= POP_MAX_AGE and not ended
    try:
        found = await search_contacts(services, ctx, number, capture=capture)
    except HelpdeskError as exc:
        if exc.retryable:
            raise
        found = []  # a search the helpdesk refuses (4xx) finds nobody; nothing is created
        searched = False
    else:
        searched = True
    contact = found[0] if found else None
    source = "helpdesk"
    if contact is None:
        contact = await asyncio.to_thread(_local, services, ctx, number)
        source = "phonebook"
    if contact is not None:
        await asyncio.to_thread(_save, services, ctx, event.call_id, contact)
        if may_pop:
            _late_pop(services, ctx, event, contact)
        variables = {"Phone": number, "CallId": event.call_id, **contact.fields}
        return Delivered(
            result={"source": source, "contact_id": contact.id},
            after=_chain(
                follow_ups_after(services, ctx, "call_ringing", variables)
                if event.type == "call.ringing"
                else None
            ),
        )
    if may_pop:
        _late_pop(services, ctx, event, None)
    not_found = follow_ups_after(
        services, ctx, "contact_not_found", {"Phone": number, "CallId": event.call_id}
    )
    if not (searched and ctx.options.create_contact.enabled):
        return Delivered(result={"source": "none"}, after=_chain(not_found, ringing_follow_ups))
    created = await _create(services, ctx, event, number, capture)
    return Delivered(
        result={"source": "created", "contact_id": created.result.get("contact_id", "")},
        after=_chain(not_found, created.after, ringing_follow_ups),
    )
