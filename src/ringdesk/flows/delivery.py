"""What the outbox handlers share: loading the job's integration, the call's contact as its
contact job settled it (read for a whole claimed batch at once), and the id of what a create
request made.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ringdesk.errors import Deferred, NotFound
from ringdesk.flows.variables import ContactRef
from ringdesk.http.client import HelpdeskResponse
from ringdesk.http.requestlog import LogRow
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

# The call's stored match, and the status of its contact job ("" when it has none).
StoredContact = tuple[ContactRef | None, str]
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
    """The stored contact of every call-log/ticket job of a claimed batch, and the status of
    the contact job it waited for: a few queries in the claim's thread hop instead of two
    per job on the event loop."""
    keys = {(job.integration_id, job.call_id) for job in jobs if job.call_id}
    if not keys:
        return {}
    matches = calls.matches_of_calls(session, keys)
    statuses = queue.statuses_of(session, [job.waits_for for job in jobs if job.waits_for])
    found: dict[int, StoredContact] = {}
    for job in jobs:
        if job.call_id:
            match = matches.get((job.integration_id, job.call_id))
            contact = (
                contact_ref(match.contact_type, match.contact_id, match.fields) if match else None
            )
            found[job.id] = (contact, statuses.get(job.waits_for or "", ""))
    return found


def _stored_contact(services: Services, job: ClaimedJob) -> StoredContact:
    with services.database.session() as session:
        return prefetch_contacts(session, [job]).get(job.id, (None, ""))


async def find_contact(
    services: Services, job: ClaimedJob, *, scenario: str, ctx: IntegrationContext
) -> ContactRef | None:
    """The call's contact as its contact job settled it (the stored match), or None. A job
    sent without one after its contact job did not finish (the wait's deadline passed, or it
    failed for good) says so in the request log."""
    stored: StoredContact
    if isinstance(job.prefetched, tuple):
        stored = job.prefetched
    else:
        stored = await asyncio.to_thread(_stored_contact, services, job)
    contact, status = stored
    if contact is None and status in ("pending", "running", "failed"):
        why = "failed" if status == "failed" else "was not settled in time"
        services.executor.request_log.add(
            LogRow(
                integration_id=ctx.integration_id,
                scenario=scenario,
                method="-",
                url=f"(call {job.call_id})",
                status=None,
                duration_ms=0.0,
                request_excerpt="",
                response_excerpt="",
                error=f"sent without a contact: the call's contact {why}",
                created_at=services.clock.now(),
            )
        )
    return contact


def response_id(response: HelpdeskResponse) -> str:
    """A created object's id from a JSON response, when it has an obvious one: `id` at the
    top, else in one of the top-level objects (`{"data": {"id": …}}`); for an answer
    without a body (Help Scout's 201), the last segment of its `Location` header."""
    try:
        document = response.json()
    except ValueError:
        return _location_id(response)
    if not isinstance(document, dict):
        return _location_id(response)
    candidates = [document, *(v for v in document.values() if isinstance(v, dict))]
    for candidate in candidates:
        value = candidate.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return _location_id(response)


def _location_id(response: HelpdeskResponse) -> str:
    """RFC 9110 §10.2.2: a 201's `Location` names the created resource."""
    location = response.headers.get("location", "")
    return urlsplit(location).path.rstrip("/").rpartition("/")[2] if location else ""
