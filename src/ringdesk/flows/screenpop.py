"""Screen pop on `call.ringing` (C9): find the caller, tell the agent's browser, remember the
match for call logs and tickets.

For each connected integration: a local phonebook hit (C8) pops at once; the live search
(C1–C7) then refreshes the pop. An unknown caller gets a pop saying so, with create-contact
and new-ticket links. The match is stored in `call_matches`. This is the fast path only:
the durable `contact` job (`flows.callcontact`) settles the caller whatever happens here,
creates unknown callers and fires the ringing follow-ups.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from ringdesk.events.model import CallEvent
from ringdesk.flows.contacts import Contact, search_contacts
from ringdesk.integrations.context import IntegrationContext
from ringdesk.integrations.options import Options
from ringdesk.services import Services
from ringdesk.store import calls, phonebook
from ringdesk.store.db import Connection

__all__ = [
    "build_pop",
    "handle_ringing",
    "pop_for_integration",
    "pop_targets",
    "unmatched_actions",
]

log = logging.getLogger(__name__)


def pop_targets(event: CallEvent) -> list[str]:
    """The extensions that see the pop: the ringing extension and every agent rung."""
    targets: list[str] = []
    for ext in (event.extension, *event.agents_rung):
        if ext and ext not in targets:
            targets.append(ext)
    return targets


def unmatched_actions(
    public_url: str, integration_id: int, event: CallEvent, number: str, options: Options
) -> list[dict[str, str]]:
    """Links offered for an unknown caller (C9). The integration options
    `popup_create_contact_url` / `popup_new_ticket_url` override ringdesk's own pages."""
    query = urlencode({"phone": number, "call_id": event.call_id, "integration": integration_id})
    base = public_url.rstrip("/")
    create = options.popup_create_contact_url or f"{base}/agent/create-contact?{query}"
    ticket = options.popup_new_ticket_url or f"{base}/agent/new-ticket?{query}"
    return [
        {"action": "create-contact", "label": "Create contact", "url": str(create)},
        {"action": "new-ticket", "label": "New ticket", "url": str(ticket)},
    ]


def build_pop(
    event: CallEvent,
    *,
    integration_id: int,
    integration: str,
    number: str,
    contact: Contact | None,
    source: str,
    actions: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    """The JSON a screen pop carries to the agent's browser."""
    fields = contact.fields if contact else {}
    return {
        "call_id": event.call_id,
        "number": number,
        "name": contact.display_name if contact else event.from_.name,
        "company": fields.get("Company", ""),
        "contact_type": contact.contact_type if contact else "",
        "contact_id": contact.id if contact else "",
        "popup_url": contact.popup_url if contact else "",
        "integration": integration,
        "integration_id": integration_id,
        "matched": contact is not None,
        "source": source,
        "direction": event.direction,
        "actions": [dict(a) for a in actions],
    }


def _publish(
    services: Services, event: CallEvent, pop: dict[str, Any], started: float, first: bool
) -> None:
    for extension in pop_targets(event):
        services.hub.publish(extension, pop)
    if first:
        services.metrics.screen_pop_latency.observe(time.perf_counter() - started)


def _save_match(
    services: Services, ctx: IntegrationContext, event: CallEvent, contact: Contact, live: bool
) -> None:
    with services.database.session() as session:
        calls.save_match(
            session,
            ctx.integration_id,
            event.call_id,
            contact_type=contact.contact_type,
            contact_id=contact.id,
            fields=contact.fields,
            popup_url=contact.popup_url,
        )
        if live:  # keep the local copy fresh for the next pop (C8)
            phonebook.store_contacts(
                session,
                ctx.integration_id,
                contact.contact_type,
                [contact],
                ctx.options.default_region,
                prune=False,
            )


def _local_match(connection: Connection, ctx: IntegrationContext, number: str) -> Contact | None:
    if not number:
        return None
    hit = phonebook.first_match(
        connection, number, region=ctx.options.region, integration_id=ctx.integration_id
    )
    if hit is None:
        return None
    return Contact(
        contact_type=hit.contact_type, id=hit.contact_id, fields=hit.fields, popup_url=hit.popup_url
    )


_UNKNOWN: Any = object()
# Loop turns given to the live search before the (blocking) phonebook read: the HTTP stack
# passes a few lock checkpoints before its request is on the wire. Each turn costs
# microseconds; too few only means the read delays the send a little.
_SEND_YIELDS = 8


async def _live_search(
    services: Services, ctx: IntegrationContext, number: str
) -> list[Contact] | None:
    """The helpdesk's answer, or None when it could not be asked (slow, down, refused)."""
    if not number:
        return []
    try:
        return await search_contacts(services, ctx, number)
    except Exception as exc:  # the helpdesk is slow or down: the local copy has to do (C8)
        log.warning("live contact search failed for %s: %s", ctx.name, exc)
        return None


async def pop_for_integration(
    services: Services,
    ctx: IntegrationContext,
    event: CallEvent,
    *,
    started: float | None = None,
    local: Contact | None = _UNKNOWN,
) -> dict[str, Any]:
    """Screen pop for one integration; returns the last pop published. `local` is the
    phonebook match when the caller already looked it up.

    The live search is sent first; the phonebook is read while its answer is on the way,
    so a local hit pops at once and a miss costs the live path nothing."""
    started = time.perf_counter() if started is None else started
    number = event.external_number()

    def pop_of(
        contact: Contact | None, source: str, actions: Sequence[Mapping[str, str]] = ()
    ) -> dict[str, Any]:
        return build_pop(
            event,
            integration_id=ctx.integration_id,
            integration=ctx.name,
            number=number,
            contact=contact,
            source=source,
            actions=actions,
        )

    search = asyncio.ensure_future(_live_search(services, ctx, number))
    try:
        for _ in range(_SEND_YIELDS):  # let the search send its request before the local read
            await asyncio.sleep(0)
        if local is _UNKNOWN:
            with services.database.connection() as connection:
                local = _local_match(connection, ctx, number)
    except BaseException:
        search.cancel()
        raise
    published = False
    pop: dict[str, Any] = {}
    if local is not None:
        pop = pop_of(local, "phonebook")
        _publish(services, event, pop, started, first=True)
        published = True

    contacts = await search

    if contacts:
        contact = contacts[0]
        pop = pop_of(contact, "helpdesk")
        _publish(services, event, pop, started, first=not published)
        await asyncio.to_thread(_save_match, services, ctx, event, contact, True)
    elif local is not None:
        await asyncio.to_thread(_save_match, services, ctx, event, local, False)
    else:
        actions = unmatched_actions(
            services.settings.public_url, ctx.integration_id, event, number, ctx.options
        )
        pop = pop_of(None, "none", actions)
        pop["lookup_failed"] = contacts is None
        _publish(services, event, pop, started, first=not published)
    return pop


async def handle_ringing(services: Services, event: CallEvent) -> list[dict[str, Any]]:
    """C9: pop the caller on every connected integration, concurrently.

    The database reads before the first pop (the integrations, then each phonebook lookup)
    are a few indexed reads run inline: a thread hop costs more than the reads on a busy
    host, and the pop's latency is what the agent sees. Writes (the match, the phonebook
    refresh, the create-contact job) happen after the pop.
    """
    started = time.perf_counter()
    contexts = services.contexts.connected()
    results = await asyncio.gather(
        *(pop_for_integration(services, ctx, event, started=started) for ctx in contexts),
        return_exceptions=True,
    )
    pops: list[dict[str, Any]] = []
    for ctx, result in zip(contexts, results, strict=True):
        if isinstance(result, BaseException):
            log.error("screen pop failed for integration %s: %r", ctx.integration_id, result)
        else:
            pops.append(result)
    return pops
