"""What the outbox handlers share: loading the job's integration, finding the call's contact
(the stored match, read for a whole claimed batch at once), and the id of what a create
request made.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from ringdesk.errors import Deferred, HelpdeskError, NotFound
from ringdesk.events.model import CallEvent
from ringdesk.flows.contacts import search_contacts
from ringdesk.flows.variables import ContactRef
from ringdesk.http.client import HelpdeskResponse
from ringdesk.integrations.context import IntegrationContext
from ringdesk.outbox.jobs import ClaimedJob, Delivered, Handler
from ringdesk.services import Services
from ringdesk.store import calls
from ringdesk.store import outbox as queue
from ringdesk.store.db import Session
from ringdesk.templates.model import PHONE_FIELDS

__all__ = [
    "StoredContact",
    "contact_ref",
    "find_contact",
    "for_connected",
    "prefetch_contacts",
    "response_id",
]

# The call's stored match, and whether a create-contact job for it is still unfinished.
StoredContact = tuple[ContactRef | None, bool]
# How long a job waits, uncounted, for an integration that needs reconnecting.
RECONNECT_WAIT = 30.0
# Contexts are reused for a moment: loading one per job (a session, decrypting the secrets)
# would cost more than the delivery. Status changes show within this time.
CONTEXT_MAX_AGE = 2.0

Deliver = Callable[[Services, IntegrationContext, ClaimedJob], Awaitable[Delivered]]


def for_connected(
    services: Services, deliver: Deliver, *, max_age: float = CONTEXT_MAX_AGE
) -> Handler:
    """An outbox handler that runs `deliver` with the job's integration context (reused
    for up to `max_age` seconds); a deleted integration fails the job, one that is not
    connected makes it wait uncounted."""

    async def handler(job: ClaimedJob) -> Delivered:
        try:
            ctx = await services.contexts.load(job.integration_id, max_age=max_age)
        except LookupError:
            raise NotFound("integration not found") from None
        if ctx.status != "connected":
            raise Deferred(f"waiting: integration {ctx.status}", delay=RECONNECT_WAIT)
        return await deliver(services, ctx, job)

    return handler


def contact_ref(contact_type: str, contact_id: str, fields: Mapping[str, Any]) -> ContactRef:
    """The call-variable view of a matched contact (name, first phone number)."""
    name = " ".join(str(fields[k]) for k in ("FirstName", "LastName") if fields.get(k))
    number = next((str(fields[k]) for k in PHONE_FIELDS if fields.get(k)), "")
    return ContactRef(
        contact_type=contact_type,
        id=contact_id,
        name=name or str(fields.get("Company") or ""),
        number=number,
    )


def prefetch_contacts(session: Session, jobs: Sequence[ClaimedJob]) -> dict[int, StoredContact]:
    """The stored contact of every call-log/ticket job of a claimed batch: a few queries in
    the claim's thread hop instead of two per job on the event loop."""
    keys = {(job.integration_id, job.call_id) for job in jobs if job.call_id}
    if not keys:
        return {}
    matches = calls.matches_of_calls(session, keys)
    creating = queue.calls_creating_contacts(session, keys - set(matches))
    found: dict[int, StoredContact] = {}
    for job in jobs:
        if job.call_id:
            key = (job.integration_id, job.call_id)
            match = matches.get(key)
            contact = (
                contact_ref(match.contact_type, match.contact_id, match.fields) if match else None
            )
            found[job.id] = (contact, contact is None and key in creating)
    return found


def _stored_contact(services: Services, integration_id: int, call_id: str) -> StoredContact:
    with services.database.session() as session:
        match = calls.get_match(session, integration_id, call_id)
        if match is not None:
            return contact_ref(match.contact_type, match.contact_id, match.fields), False
        creating = queue.calls_creating_contacts(session, {(integration_id, call_id)})
    return None, bool(creating)


async def find_contact(
    services: Services,
    ctx: IntegrationContext,
    event: CallEvent,
    *,
    stored: StoredContact | None = None,
) -> ContactRef | None:
    """The call's contact: the stored match, else (unless a create-contact job for the call
    is still running: then `Deferred`) a live search, since the ringing flow may not have
    run. Raises HelpdeskError when the search failed in a retryable way.

    `stored` is that match as `prefetch_contacts` read it for the claimed batch; without it
    the match is read now."""
    if stored is None:
        stored = await asyncio.to_thread(
            _stored_contact, services, ctx.integration_id, event.call_id
        )
    contact, creating = stored
    if contact is not None:
        return contact
    if creating:
        raise Deferred("waiting for the contact being created for this call", delay=2.0)
    number = event.external_number()
    if not number or not ctx.template.contact_search.contact_types:
        return None
    try:
        found = await search_contacts(services, ctx, number)
    except HelpdeskError as exc:
        if exc.retryable:
            raise
        return None  # a broken search must not block the log forever
    if not found:
        return None
    first = found[0]
    return contact_ref(first.contact_type, first.id, first.fields)


def response_id(response: HelpdeskResponse) -> str:
    """A created object's id from a JSON response, when it has an obvious one: `id` at the
    top, else in one of the top-level objects (`{"data": {"id": …}}`)."""
    try:
        document = response.json()
    except ValueError:
        return ""
    if not isinstance(document, dict):
        return ""
    candidates = [document, *(v for v in document.values() if isinstance(v, dict))]
    for candidate in candidates:
        value = candidate.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return ""
