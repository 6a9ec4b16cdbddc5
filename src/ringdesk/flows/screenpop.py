"""Screen pop on `call.ringing` (C9): find the caller, tell the agent's browser, remember the
match for call logs and tickets.

For each connected integration: a local phonebook hit (C8) pops at once; the live search
(C1–C7) then refreshes the pop. An unknown caller gets a pop saying so, with create-contact
and new-ticket links, and, when the integration's `create_contact.enabled` option is on, one
durable `create_contact` outbox job. The match is stored in `call_matches`; the
`call_ringing` and `contact_not_found` follow-up requests fire after the pop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ringdesk.events.model import CallEvent
from ringdesk.flows.contacts import Contact, search_contacts
from ringdesk.flows.numbers import region_from_options
from ringdesk.flows.phonebook import first_match, store_contacts
from ringdesk.store.tables import CallMatch, Integration, TemplateRow

__all__ = [
    "build_pop",
    "fire_call_trigger",
    "handle_ringing",
    "pop_for_integration",
    "pop_targets",
    "store_match",
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
    public_url: str, integration_id: int, event: CallEvent, number: str, options: Mapping[str, Any]
) -> list[dict[str, str]]:
    """Links offered for an unknown caller (C9). The integration options
    `popup_create_contact_url` / `popup_new_ticket_url` override ringdesk's own pages."""
    query = urlencode({"phone": number, "call_id": event.call_id, "integration": integration_id})
    base = public_url.rstrip("/")
    create = options.get("popup_create_contact_url") or f"{base}/agent/create-contact?{query}"
    ticket = options.get("popup_new_ticket_url") or f"{base}/agent/new-ticket?{query}"
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


def store_match(session: Any, integration_id: int, call_id: str, contact: Contact) -> None:
    """Upsert the call's match (unique per integration and call)."""
    row = session.scalar(
        select(CallMatch).where(
            CallMatch.integration_id == integration_id, CallMatch.call_id == call_id
        )
    )
    if row is None:
        row = CallMatch(integration_id=integration_id, call_id=call_id)
        session.add(row)
    row.contact_type = contact.contact_type
    row.contact_id = contact.id
    row.fields = dict(contact.fields)
    row.popup_url = contact.popup_url
    session.flush()


def _publish(
    state: Any, event: CallEvent, pop: dict[str, Any], started: float, first: bool
) -> None:
    for extension in pop_targets(event):
        state.hub.publish(extension, pop)
    metrics = getattr(state, "metrics", None)
    histogram = getattr(metrics, "screen_pop_latency", None)
    if first and histogram is not None:
        histogram.observe(time.perf_counter() - started)


async def _follow_ups(state: Any, ctx: Any, trigger: str, variables: Mapping[str, str]) -> None:
    from ringdesk.integrations.followup import fire_follow_ups

    try:
        await fire_follow_ups(state, ctx, trigger, variables)
    except Exception:  # a follow-up failure must not undo the pop; the request log has it
        log.warning("follow-up %s failed for integration %s", trigger, ctx.integration_id)


def _save_match(state: Any, ctx: Any, event: CallEvent, contact: Contact, live: bool) -> None:
    region = ctx.options.get("default_region")
    for attempt in range(2):  # two processes may insert the same match at once
        try:
            with state.db.session() as session:
                store_match(session, ctx.integration_id, event.call_id, contact)
                if live:  # keep the local copy fresh for the next pop (C8)
                    store_contacts(
                        session,
                        ctx.integration_id,
                        contact.contact_type,
                        [contact],
                        region,
                        prune=False,
                    )
            return
        except IntegrityError:
            if attempt:
                raise


def _enqueue_create_contact(state: Any, ctx: Any, event: CallEvent, number: str) -> None:
    from ringdesk.outbox import enqueue

    option = ctx.options.get("create_contact") or {}
    with state.db.session() as session:
        enqueue(
            session,
            kind="create_contact",
            integration_id=ctx.integration_id,
            call_id=event.call_id,
            idempotency_key=f"create_contact:{ctx.integration_id}:{event.call_id}",
            payload={
                "phone": number,
                "caller_name": event.from_.name if event.direction != "outbound" else event.to.name,
                "contact_type": option.get("contact_type", "") if isinstance(option, dict) else "",
                "call_id": event.call_id,
                "extension": event.extension,
            },
            now=time.time(),
        )


def _local_match(connection: Any, ctx: Any, number: str) -> Contact | None:
    if not number:
        return None
    region = region_from_options(ctx.options)
    return first_match(connection, number, region=region, integration_id=ctx.integration_id)


_UNKNOWN: Any = object()
# Loop turns given to the live search before the (blocking) phonebook read: the HTTP stack
# passes a few lock checkpoints before its request is on the wire. Each turn costs
# microseconds; too few only means the read delays the send a little.
_SEND_YIELDS = 8


async def _live_search(state: Any, ctx: Any, number: str) -> list[Contact] | None:
    """The helpdesk's answer, or None when it could not be asked (slow, down, refused)."""
    if not number:
        return []
    try:
        return await search_contacts(state, ctx, number)
    except Exception as exc:  # the helpdesk is slow or down: the local copy has to do (C8)
        log.warning("live contact search failed for %s: %s", ctx.name, exc)
        return None


async def pop_for_integration(
    state: Any,
    ctx: Any,
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
    common = {"integration_id": ctx.integration_id, "integration": ctx.name, "number": number}
    search = asyncio.ensure_future(_live_search(state, ctx, number))
    try:
        for _ in range(_SEND_YIELDS):  # let the search send its request before the local read
            await asyncio.sleep(0)
        if local is _UNKNOWN:
            with state.db.engine.connect() as connection:
                local = _local_match(connection, ctx, number)
    except BaseException:
        search.cancel()
        raise
    published = False
    pop: dict[str, Any] = {}
    if local is not None:
        pop = build_pop(event, contact=local, source="phonebook", **common)
        _publish(state, event, pop, started, first=True)
        published = True

    contacts = await search

    variables: dict[str, str] = {"Phone": number, "CallId": event.call_id}
    if contacts:
        contact = contacts[0]
        pop = build_pop(event, contact=contact, source="helpdesk", **common)
        _publish(state, event, pop, started, first=not published)
        await asyncio.to_thread(_save_match, state, ctx, event, contact, True)
        variables.update(contact.fields)
    elif local is not None:
        await asyncio.to_thread(_save_match, state, ctx, event, local, False)
        variables.update(local.fields)
    else:
        actions = unmatched_actions(
            state.settings.public_url, ctx.integration_id, event, number, ctx.options
        )
        pop = build_pop(event, contact=None, source="none", actions=actions, **common)
        pop["lookup_failed"] = contacts is None
        _publish(state, event, pop, started, first=not published)
        if contacts is not None:  # truly unknown (not just unreachable)
            option = ctx.options.get("create_contact") or {}
            if isinstance(option, dict) and option.get("enabled") and number:
                await asyncio.to_thread(_enqueue_create_contact, state, ctx, event, number)
            await _follow_ups(state, ctx, "contact_not_found", variables)
    await _follow_ups(state, ctx, "call_ringing", variables)
    return pop


# Contexts built for screen pops, per app state: a burst of ringing (a queue call rings
# many agents) should not rebuild them from the database each time. Each is keyed by the
# version of everything it is built from: the integration row (`updated_at` changes on
# every ORM or Core update of the row: options, fields, secrets, status, variables),
# its token refresh time, its template id and the template row's `updated_at`. A change
# anywhere is seen by the next pop, from any process.
_INTEGRATIONS = Integration.__table__
_TEMPLATES = TemplateRow.__table__
# Built once: constructing a statement costs more than running it, and it runs before
# the search request can go out.
_VERSIONS = (
    select(
        _INTEGRATIONS.c.id,
        _INTEGRATIONS.c.updated_at,
        _INTEGRATIONS.c.token_refreshed_at,
        _INTEGRATIONS.c.template_id,
        _TEMPLATES.c.updated_at,
    )
    .select_from(
        _INTEGRATIONS.outerjoin(_TEMPLATES, _TEMPLATES.c.id == _INTEGRATIONS.c.template_id)
    )
    .where(_INTEGRATIONS.c.status == "connected")
    .order_by(_INTEGRATIONS.c.id)
)


_VERSIONS_SQL: dict[str, str] = {}


def _versions(engine: Any) -> list[tuple[Any, ...]]:
    """Run `_VERSIONS` on a pooled DBAPI connection: the statement has no parameters, so it
    is compiled once per dialect, and the raw cursor skips SQLAlchemy's per-execution
    work (a third of the cost of the query on SQLite). The pool rolls back on return."""
    sql = _VERSIONS_SQL.get(engine.dialect.name)
    if sql is None:
        sql = str(_VERSIONS.compile(engine, compile_kwargs={"literal_binds": True}))
        _VERSIONS_SQL[engine.dialect.name] = sql
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()
    finally:
        connection.close()


def _context_cache(state: Any) -> dict[int, tuple[tuple[Any, ...], Any]]:
    cache: dict[int, tuple[tuple[Any, ...], Any]] | None = getattr(
        state, "screenpop_contexts", None
    )
    if cache is None:
        cache = {}
        state.screenpop_contexts = cache
    return cache


def _prepare(state: Any) -> list[Any]:
    """The connected integrations' contexts: one prebuilt query on a plain connection when
    the cached contexts are current, an ORM session only for an integration that changed."""
    from ringdesk.integrations.context import context_from_row

    cache = _context_cache(state)
    versions = _versions(state.db.engine)
    contexts: list[Any] = []
    stale: list[tuple[int, tuple[Any, ...]]] = []
    for integration_id, *version in versions:
        key = tuple(version)
        hit = cache.get(integration_id)
        if hit is not None and hit[0] == key:
            contexts.append(hit[1])
        else:
            stale.append((integration_id, key))
            contexts.append(None)
    if stale:
        fresh: dict[int, Any] = {}
        with state.db.session() as session:
            for integration_id, key in stale:
                try:
                    row = session.get(Integration, integration_id)
                    if row is None:
                        continue
                    ctx = context_from_row(session, row, state.crypto, state.settings.public_url)
                except Exception:  # one broken integration must not stop the others' pops
                    log.exception("cannot load integration %s", integration_id)
                    continue
                cache[integration_id] = (key, ctx)
                fresh[integration_id] = ctx
        contexts = [
            ctx if ctx is not None else fresh.get(version[0])
            for ctx, version in zip(contexts, versions, strict=True)
        ]
    live = {version[0] for version in versions}
    for integration_id in [i for i in cache if i not in live]:  # disconnected or deleted
        del cache[integration_id]
    return [ctx for ctx in contexts if ctx is not None]


async def handle_ringing(state: Any, event: CallEvent) -> list[dict[str, Any]]:
    """C9: pop the caller on every connected integration, concurrently.

    The database reads before the first pop (the integrations, then each phonebook lookup)
    are a few indexed reads run inline: a thread hop costs more than the reads on a busy
    host, and the pop's latency is what the agent sees. Writes (the match, the phonebook
    refresh, the create-contact job) happen after the pop.
    """
    started = time.perf_counter()
    contexts = _prepare(state)
    results = await asyncio.gather(
        *(pop_for_integration(state, ctx, event, started=started) for ctx in contexts),
        return_exceptions=True,
    )
    pops: list[dict[str, Any]] = []
    for ctx, result in zip(contexts, results, strict=True):
        if isinstance(result, BaseException):
            log.error("screen pop failed for integration %s: %r", ctx.integration_id, result)
        else:
            pops.append(result)
    return pops


async def fire_call_trigger(state: Any, event: CallEvent, trigger: str) -> None:
    """F2: fire `trigger` follow-ups (call_answered, call_ended) on every connected
    integration, with the call's number and its stored match."""
    from ringdesk.integrations.context import list_active_integration_ids, load_context

    number = event.external_number()
    with state.db.session() as session:
        ids = list_active_integration_ids(session)
        matches = {
            row.integration_id: dict(row.fields or {})
            for row in session.scalars(select(CallMatch).where(CallMatch.call_id == event.call_id))
        }
    for integration_id in ids:
        ctx = await load_context(state, integration_id)
        variables = {"Phone": number, "CallId": event.call_id, **matches.get(integration_id, {})}
        await _follow_ups(state, ctx, trigger, variables)
