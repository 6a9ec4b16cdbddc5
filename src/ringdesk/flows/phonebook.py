"""Contact sync into the local phonebook (C8), for fast screen pops and for the PBX's
caller-ID lookups.

`sync_phonebook` lists every contact of the integration's chosen contact types
(`options.sync_contact_types`) with the type's search request and `Phone` empty, paging as
`options.contact_sync_pagination` says (same attributes as the users `<Pagination>`),
within the 100-request cap, and stores one row per (contact, phone number)
(`store.phonebook`, which also answers lookups). A search request that cannot be rendered
for a sync (`{{.Phone}}` in its URL path is empty there) is a `TemplateError` naming the
template field, raised before any request is sent.

`run_sync` is how the API and the background round sync: it also records the outcome on
the integration (`Integration.contact_sync`, shown in its API view), failures included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from ringdesk.errors import HelpdeskError, TemplateError
from ringdesk.expressions import ExpressionError
from ringdesk.flows.contacts import Contact, list_contacts, search_request
from ringdesk.flows.paginate import MAX_REQUESTS
from ringdesk.http.request import check_path, render_url
from ringdesk.integrations.context import IntegrationContext
from ringdesk.services import Services
from ringdesk.store import integrations as integrations_repo
from ringdesk.store import phonebook as repo
from ringdesk.templates.model import ContactType

__all__ = [
    "FIRST_SYNC_DELAY_SECONDS",
    "SYNC_INTERVAL_SECONDS",
    "PhonebookSync",
    "phonebook_service",
    "run_sync",
    "sync_all",
    "sync_phonebook",
]

log = logging.getLogger(__name__)


@dataclass
class PhonebookSync:
    """Outcome of a contact sync, per contact type and in total."""

    requests: int = 0
    contacts: int = 0
    entries: int = 0
    capped: bool = False
    types: dict[str, dict[str, Any]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "contacts": self.contacts,
            "entries": self.entries,
            "capped": self.capped,
            "types": self.types,
        }


async def sync_phonebook(
    services: Services, ctx: IntegrationContext, *, max_requests: int = MAX_REQUESTS
) -> PhonebookSync:
    """C8: sync the chosen contact types into the phonebook; the cap is shared by all types."""
    chosen = ctx.options.sync_contact_types
    outcome = PhonebookSync()
    types = ctx.template.contact_search.contact_types
    synced = [(index, t) for index, t in enumerate(types) if t.name in chosen and t.request.url]
    for index, contact_type in synced:  # every request renders, or nothing is sent
        _check_renders(ctx, index, contact_type)
    for _, contact_type in synced:
        budget = max_requests - outcome.requests
        if budget <= 0:
            outcome.capped = True
            break
        # The integration's paging (an override), else the contact type's (C8).
        spec = ctx.options.contact_sync_pagination or contact_type.pagination
        contacts, requests, capped = await list_contacts(
            services, ctx, contact_type, spec, max_requests=budget
        )
        outcome.requests += requests
        outcome.capped = outcome.capped or capped

        def store(
            contact_type: ContactType = contact_type,
            contacts: list[Contact] = contacts,
            capped: bool = capped,
        ) -> int:
            with services.database.session() as session:
                return repo.store_contacts(
                    session,
                    ctx.integration_id,
                    contact_type.name,
                    contacts,
                    ctx.options.default_region,
                    prune=not capped,
                )

        entries = await asyncio.to_thread(store)
        outcome.contacts += len(contacts)
        outcome.entries += entries
        outcome.types[contact_type.name] = {
            "contacts": len(contacts),
            "requests": requests,
            "capped": capped,
        }
    return outcome


def _check_renders(ctx: IntegrationContext, index: int, contact_type: ContactType) -> None:
    """Raise a `TemplateError` naming the template field when the type's search request
    does not render for a sync (with `{{.Phone}}` empty)."""
    base = f"ContactSearch.ContactType[{index}].Request"
    variables = {**ctx.variables, "Phone": ""}
    try:
        check_path(contact_type.request.url, render_url(contact_type.request.url, variables))
    except (TemplateError, ExpressionError) as exc:
        raise _unusable(ctx, contact_type, f"{base}.Url", exc) from None
    try:
        search_request(ctx, contact_type, "")
    except (TemplateError, ExpressionError) as exc:
        raise _unusable(ctx, contact_type, f"{base}.Body", exc) from None


def _unusable(
    ctx: IntegrationContext, contact_type: ContactType, field: str, exc: Exception
) -> TemplateError:
    reason = exc.message if isinstance(exc, TemplateError) else str(exc)
    message = ctx.redactor.text(
        f"{field}: the contact sync of {contact_type.name!r} cannot render its search "
        f"request, which it sends with {{{{.Phone}}}} empty: {reason}. Use a request that "
        "lists contacts without a number (e.g. the number only in the query string), or "
        "leave the type out of sync_contact_types"
    )
    line, column = ctx.template.position_of(field + "#")
    return TemplateError(message, line=line, column=column, field=field)


def _record(services: Services, integration_id: int, outcome: dict[str, Any]) -> None:
    with services.database.session() as session:
        integrations_repo.set_contact_sync(session, integration_id, outcome)


async def run_sync(services: Services, ctx: IntegrationContext) -> PhonebookSync:
    """`sync_phonebook`, recording its outcome on the integration: `{"at", "ok": true,
    "summary"}`, or `{"at", "ok": false, "error", "field"}` (the error redacted) before the
    error is raised again."""
    at = services.clock.now()
    try:
        outcome = await sync_phonebook(services, ctx)
    except (TemplateError, HelpdeskError) as exc:
        error = exc.message if isinstance(exc, TemplateError) else str(exc)
        failed = {
            "at": at,
            "ok": False,
            "error": ctx.redactor.text(error),
            "field": exc.field if isinstance(exc, TemplateError) else None,
        }
        await asyncio.to_thread(_record, services, ctx.integration_id, failed)
        raise
    done = {"at": at, "ok": True, "summary": outcome.summary()}
    await asyncio.to_thread(_record, services, ctx.integration_id, done)
    return outcome


# C8: how often the phonebook is refreshed in the background, and the first delay after
# start (so a restart does not stampede the helpdesks at once).
SYNC_INTERVAL_SECONDS = 3600.0
FIRST_SYNC_DELAY_SECONDS = 30.0


async def sync_all(services: Services) -> dict[int, dict[str, Any]]:
    """One background round: sync every connected integration that chose contact types.
    A failing integration is logged, its error recorded on it (`run_sync`), and skipped."""

    def read() -> list[int]:
        with services.database.session() as session:
            return integrations_repo.list_ids(session)

    outcomes: dict[int, dict[str, Any]] = {}
    for integration_id in await asyncio.to_thread(read):
        try:
            ctx = await services.contexts.load(integration_id)
            if not ctx.options.sync_contact_types:
                continue
            outcomes[integration_id] = (await run_sync(services, ctx)).summary()
        except Exception as exc:  # one helpdesk being down must not stop the others' sync
            log.warning("contact sync of integration %s failed: %s", integration_id, exc)
    return outcomes


async def _sync_loop(services: Services) -> None:
    await asyncio.sleep(FIRST_SYNC_DELAY_SECONDS)
    while True:
        await sync_all(services)
        await asyncio.sleep(SYNC_INTERVAL_SECONDS)


@contextlib.asynccontextmanager
async def phonebook_service(services: Services) -> AsyncIterator[None]:
    """Background service: periodic contact sync."""
    task = asyncio.create_task(_sync_loop(services), name="ringdesk-phonebook-sync")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
