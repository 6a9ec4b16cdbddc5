"""Local phonebook (C8): contacts synced from the helpdesk for fast screen pops and for the
PBX's caller-ID lookups.

`sync_phonebook` lists every contact of the integration's chosen contact types
(`options.sync_contact_types`) with the type's search request and `Phone` empty, paging as
`options.contact_sync_pagination` says (same attributes as the users `<Pagination>`),
within the 100-request cap, and stores one row per (contact, phone number). `lookup`
finds entries by any form of a number.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, delete, or_, select
from sqlalchemy.orm import Session

from ringdesk.flows.contacts import Contact, build_query, map_contacts
from ringdesk.flows.numbers import PhoneNumber, normalise
from ringdesk.flows.paginate import MAX_REQUESTS, Paginator
from ringdesk.store.tables import PhonebookEntry
from ringdesk.templates.model import ContactType, Pagination

__all__ = [
    "FIRST_SYNC_DELAY_SECONDS",
    "SYNC_INTERVAL_SECONDS",
    "PhonebookSync",
    "entry_contact",
    "first_match",
    "lookup",
    "phonebook_service",
    "store_contacts",
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


def _pagination(options: Mapping[str, Any]) -> Pagination:
    raw = options.get("contact_sync_pagination")
    if isinstance(raw, Mapping):
        return Pagination.model_validate(dict(raw))
    return Pagination()


async def sync_phonebook(
    state: Any, ctx: Any, *, max_requests: int = MAX_REQUESTS
) -> PhonebookSync:
    """C8: sync the chosen contact types into `phonebook`; the cap is shared by all types."""
    chosen = ctx.options.get("sync_contact_types") or []
    region = ctx.options.get("default_region")
    outcome = PhonebookSync()
    spec = _pagination(ctx.options)
    for contact_type in ctx.template.contact_search.contact_types:
        if contact_type.name not in chosen or not contact_type.request.url:
            continue
        budget = max_requests - outcome.requests
        if budget <= 0:
            outcome.capped = True
            break
        contacts, requests, capped = await _list_type(state, ctx, contact_type, spec, budget)
        outcome.requests += requests
        outcome.capped = outcome.capped or capped
        with state.db.session() as session:
            entries = store_contacts(
                session, ctx.integration_id, contact_type.name, contacts, region, prune=not capped
            )
        outcome.contacts += len(contacts)
        outcome.entries += entries
        outcome.types[contact_type.name] = {
            "contacts": len(contacts),
            "requests": requests,
            "capped": capped,
        }
    return outcome


async def _list_type(
    state: Any, ctx: Any, contact_type: ContactType, spec: Pagination, budget: int
) -> tuple[list[Contact], int, bool]:
    query = build_query(contact_type, ctx.variables, "")
    pager = Paginator(spec, query.url, max_requests=budget)
    next_url: str | None = pager.first()
    contacts: dict[str, Contact] = {}
    while next_url is not None:
        response = await state.executor.request(
            ctx,
            scenario="contact_sync",
            method=query.method,
            url=next_url,
            body=query.body,
        )
        page = map_contacts(contact_type, response.content, variables=ctx.variables, phone="")
        for contact in page:
            contacts.setdefault(contact.id, contact)
        next_url = pager.advance(count=len(page), body=response.content)
    return list(contacts.values()), pager.requests, pager.capped


_ID_CHUNK = 500  # contact ids per IN list (well under every backend's parameter limit)


def store_contacts(
    session: Session,
    integration_id: int,
    contact_type: str,
    contacts: Sequence[Contact],
    region: str | None,
    *,
    prune: bool,
) -> int:
    """Replace (prune=True) or update the phonebook rows of one contact type; one row per
    distinct normalised number. Returns the number of rows written."""
    scope = (PhonebookEntry.integration_id == integration_id) & (
        PhonebookEntry.contact_type == contact_type
    )
    existing: dict[tuple[str, str], PhonebookEntry] = {}
    if prune:
        session.execute(delete(PhonebookEntry).where(scope))
    else:
        # Only the rows of these contacts: a screen pop refreshes one contact, and loading
        # the whole synced phonebook of its type for that cost milliseconds per call.
        ids = sorted({contact.id for contact in contacts})
        for start in range(0, len(ids), _ID_CHUNK):
            chunk = ids[start : start + _ID_CHUNK]
            query = select(PhonebookEntry).where(scope, PhonebookEntry.contact_id.in_(chunk))
            for entry in session.scalars(query):
                existing[(entry.contact_id, entry.phone_e164)] = entry
    now = time.time()
    written = 0
    for contact in contacts:
        numbers: dict[str, PhoneNumber] = {}
        for phone in contact.phones:
            number = normalise(phone, region)
            if number.key:
                numbers.setdefault(number.key, number)
        for number in numbers.values():
            row = existing.get((contact.id, number.key))
            if row is None:
                row = PhonebookEntry(
                    integration_id=integration_id,
                    contact_type=contact_type,
                    contact_id=contact.id,
                    phone_e164=number.key,
                )
                session.add(row)
                existing[(contact.id, number.key)] = row
            row.name = contact.display_name[:400]
            row.phone_digits = number.digits
            row.popup_url = contact.popup_url
            row.fields = dict(contact.fields)
            row.updated_at = now
            written += 1
    session.flush()
    return written


def lookup(
    session: Session,
    phone: str,
    *,
    region: str | None = None,
    integration_id: int | None = None,
    limit: int = 20,
) -> list[PhonebookEntry]:
    """Entries whose number equals any form of `phone` (E.164, or the digits when the stored
    number did not parse), newest first."""
    number = normalise(phone, region)
    if not number.key:
        return []
    keys = {number.key}
    digit_forms = {d for d in (number.digits, number.national_digits) if d}
    conditions = [PhonebookEntry.phone_e164.in_(keys)]
    if digit_forms:
        conditions.append(PhonebookEntry.phone_digits.in_(digit_forms))
    query = select(PhonebookEntry).where(or_(*conditions))
    if integration_id is not None:
        query = query.where(PhonebookEntry.integration_id == integration_id)
    return list(session.scalars(query.order_by(PhonebookEntry.updated_at.desc()).limit(limit)))


_PHONEBOOK = PhonebookEntry.__table__
# Built once: constructing the statement costs more than running it on an indexed table,
# and it sits before the first screen pop. Bound per call: the integration, the E.164 key
# and the digit forms (an expanding IN).
_FIRST_MATCH = (
    select(
        _PHONEBOOK.c.contact_type,
        _PHONEBOOK.c.contact_id,
        _PHONEBOOK.c.popup_url,
        _PHONEBOOK.c.fields,
    )
    .where(
        _PHONEBOOK.c.integration_id == bindparam("integration_id"),
        or_(
            _PHONEBOOK.c.phone_e164 == bindparam("key"),
            _PHONEBOOK.c.phone_digits.in_(bindparam("digits", expanding=True)),
        ),
    )
    .order_by(_PHONEBOOK.c.updated_at.desc())
    .limit(1)
)


def first_match(
    connection: Connection | Session, phone: str, *, region: str | None, integration_id: int
) -> Contact | None:
    """The newest phonebook contact of one integration for any form of `phone`, as a
    `Contact`; a lean prebuilt query (no ORM entities; a plain connection will do) because
    it sits before the first screen pop."""
    number = normalise(phone, region)
    if not number.key:
        return None
    digit_forms = [d for d in (number.digits, number.national_digits) if d]
    row = connection.execute(
        _FIRST_MATCH,
        {"integration_id": integration_id, "key": number.key, "digits": digit_forms},
    ).first()
    if row is None:
        return None
    fields = {str(k): str(v) for k, v in (row.fields or {}).items()}
    return Contact(
        contact_type=row.contact_type, id=row.contact_id, fields=fields, popup_url=row.popup_url
    )


def entry_contact(entry: PhonebookEntry) -> Contact:
    """A phonebook row as a `Contact` (for screen pops served from the local copy)."""
    return Contact(
        contact_type=entry.contact_type,
        id=entry.contact_id,
        fields={str(k): str(v) for k, v in (entry.fields or {}).items()},
        popup_url=entry.popup_url,
    )


# C8: how often the phonebook is refreshed in the background, and the first delay after
# start (so a restart does not stampede the helpdesks at once).
SYNC_INTERVAL_SECONDS = 3600.0
FIRST_SYNC_DELAY_SECONDS = 30.0


async def sync_all(state: Any) -> dict[int, dict[str, Any]]:
    """One background round: sync every connected integration that chose contact types.
    A failing integration is logged and skipped."""
    from ringdesk.integrations.context import list_active_integration_ids, load_context

    with state.db.session() as session:
        ids = list_active_integration_ids(session)
    outcomes: dict[int, dict[str, Any]] = {}
    for integration_id in ids:
        try:
            ctx = await load_context(state, integration_id)
            if not ctx.options.get("sync_contact_types"):
                continue
            outcomes[integration_id] = (await sync_phonebook(state, ctx)).summary()
        except Exception as exc:  # one helpdesk being down must not stop the others' sync
            log.warning("contact sync of integration %s failed: %s", integration_id, exc)
    return outcomes


async def _sync_loop(state: Any) -> None:
    await asyncio.sleep(FIRST_SYNC_DELAY_SECONDS)
    while True:
        await sync_all(state)
        await asyncio.sleep(SYNC_INTERVAL_SECONDS)


@contextlib.asynccontextmanager
async def phonebook_service(app: Any) -> AsyncIterator[None]:
    """Background service (see `services.background_services`): periodic contact sync."""
    task = asyncio.create_task(_sync_loop(app.state), name="ringdesk-phonebook-sync")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
