"""What the call-log, ticket and create-contact handlers share: option defaults (L2/T2),
reading the call's contact match and owner, and sending one rendered template request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ringdesk.errors import PeerError
from ringdesk.events.model import CallEvent
from ringdesk.flows.variables import ContactRef
from ringdesk.store.tables import CallMatch, Extension, HelpdeskUser, Integration, OutboxJob
from ringdesk.templates.model import RequestSpec, Template

__all__ = [
    "DEFAULT_CALL_LOG_DESCRIPTION",
    "DEFAULT_TICKET_DESCRIPTION",
    "DEFAULT_TICKET_SUBJECT",
    "call_log_options",
    "delivery_integrations",
    "extension_name",
    "owner_of",
    "prefetch_contacts",
    "send",
    "ticket_options",
]

DEFAULT_CALL_LOG_DESCRIPTION = (
    "Call: {{.Time}} {{.Call_Log_Status}} from {{.Call_From}} to {{.Call_To}} {{.Talk_Duration}}"
)
DEFAULT_TICKET_SUBJECT = (
    "{{.Communication_Type}} {{.Call_Status}} - from {{.Call_From}} to {{.Call_To}}"
)
DEFAULT_TICKET_DESCRIPTION = (
    "{{.Time}} {{.Communication_Type}} {{.Call_Status}} - from {{.Call_From}} to {{.Call_To}}"
    " {{.Talk_Duration}}"
)
log = logging.getLogger(__name__)
TICKET_WHEN = ("always", "missed", "inbound")
_PHONE_FIELDS = ("BusinessNumber", "MobileNumber", "HomeNumber", "BusinessNumber2", "OtherNumber")


def _section(options: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = options.get(name)
    return value if isinstance(value, Mapping) else {}


def _text(option: Any, chosen: Mapping[str, Any], key: str, fallback: str) -> str:
    # An option the template exposes may be overridden; otherwise the template's default
    # text, or the spec's default when the template gives none.
    if option.enabled and isinstance(chosen.get(key), str) and chosen[key]:
        return str(chosen[key])
    return str(option.default or fallback)


def _flag(option: Any, chosen: Mapping[str, Any], key: str) -> bool:
    if option.enabled and isinstance(chosen.get(key), bool):
        return bool(chosen[key])
    return bool(option.default)


def call_log_options(template: Template, options: Mapping[str, Any]) -> dict[str, Any]:
    """The integration's `call_log` options with the template's defaults (L2).

    `enabled` is true when the template enables call logs and the integration did not turn
    them off."""
    spec = template.call_log
    chosen = _section(options, "call_log")
    if spec is None:
        return {"enabled": False}
    o = spec.options
    return {
        "enabled": bool(spec.enabled) and chosen.get("enabled", True) is not False,
        "subject": _text(o.subject, chosen, "subject", ""),
        "description": _text(o.description, chosen, "description", DEFAULT_CALL_LOG_DESCRIPTION),
        "play_recording": _flag(o.play_recording, chosen, "play_recording")
        if o.play_recording.enabled
        else True,
        "skip_missed_for_unanswered_agents": _flag(
            o.skip_missed_for_unanswered_agents, chosen, "skip_missed_for_unanswered_agents"
        ),
    }


def ticket_options(template: Template, options: Mapping[str, Any]) -> dict[str, Any]:
    """The integration's `ticket` options with defaults (T2, T3); `when` defaults to always."""
    spec = template.ticket
    chosen = _section(options, "ticket")
    if spec is None:
        return {"enabled": False}
    when = chosen.get("when", "always")
    return {
        "enabled": bool(spec.enabled) and chosen.get("enabled", True) is not False,
        "when": when if when in TICKET_WHEN else "always",
        "subject": _text(spec.options.subject, chosen, "subject", DEFAULT_TICKET_SUBJECT),
        "description": _text(
            spec.options.description, chosen, "description", DEFAULT_TICKET_DESCRIPTION
        ),
    }


def delivery_integrations(session: Session) -> list[tuple[Integration, Template]]:
    """Integrations that get call logs and tickets, with their templates.

    Includes `needs_reconnect`: their jobs wait in the outbox instead of being lost (L3).
    """
    from ringdesk.integrations.context import load_template

    rows = session.scalars(
        select(Integration)
        .where(Integration.status.in_(("connected", "needs_reconnect")))
        .order_by(Integration.id)
    )
    found: list[tuple[Integration, Template]] = []
    for row in rows:
        try:
            found.append((row, load_template(session, row.template_id)))
        except Exception:  # a broken template must not stop the event from being stored
            log.exception("template %s of integration %s unusable", row.template_id, row.id)
            continue
    return found


def owner_of(session: Session, integration_id: int, extension: str) -> str:
    """U6: the helpdesk user id tied to `extension` on this integration, or ""."""
    if not extension:
        return ""
    user = session.scalar(
        select(HelpdeskUser.user_id)
        .where(HelpdeskUser.integration_id == integration_id, HelpdeskUser.extension == extension)
        .order_by(HelpdeskUser.id)
        .limit(1)
    )
    return user or ""


def extension_name(session: Session, extension: str) -> str:
    if not extension:
        return ""
    return session.scalar(select(Extension.name).where(Extension.number == extension)) or ""


def contact_ref(contact_type: str, contact_id: str, fields: Mapping[str, Any]) -> ContactRef:
    name = " ".join(str(fields[k]) for k in ("FirstName", "LastName") if fields.get(k))
    number = next((str(fields[k]) for k in _PHONE_FIELDS if fields.get(k)), "")
    return ContactRef(
        contact_type=contact_type,
        id=contact_id,
        name=name or str(fields.get("Company") or ""),
        number=number,
    )


def _stored_contact(
    state: Any, integration_id: int, call_id: str
) -> tuple[ContactRef | None, bool]:
    """(the stored match, whether a create-contact job for the call is unfinished)."""
    # A plain connection and a few columns: this runs once per delivery, on the loop thread.
    match = select(CallMatch.contact_type, CallMatch.contact_id, CallMatch.fields).where(
        CallMatch.integration_id == integration_id, CallMatch.call_id == call_id
    )
    with state.db.engine.connect() as connection:
        row = connection.execute(match).first()
        if row is not None and row.contact_id:
            return contact_ref(row.contact_type, row.contact_id, row.fields or {}), False
        creating = connection.execute(
            select(OutboxJob.id)
            .where(
                OutboxJob.kind == "create_contact",
                OutboxJob.integration_id == integration_id,
                OutboxJob.call_id == call_id,
                OutboxJob.status.in_(("pending", "running")),
            )
            .limit(1)
        ).first()
    return None, creating is not None


StoredContact = tuple[ContactRef | None, bool]


# Built once (expanding IN parameters): constructing the statements per claimed batch cost
# more than running them.
_MATCHES_OF_CALLS = select(
    CallMatch.integration_id,
    CallMatch.call_id,
    CallMatch.contact_type,
    CallMatch.contact_id,
    CallMatch.fields,
).where(CallMatch.call_id.in_(bindparam("call_ids", expanding=True)))
_CREATE_CONTACT_JOBS_OF_CALLS = select(
    OutboxJob.integration_id, OutboxJob.call_id, OutboxJob.status
).where(
    OutboxJob.call_id.in_(bindparam("call_ids", expanding=True)),
    OutboxJob.kind == "create_contact",
)


def prefetch_contacts(session: Session, jobs: Sequence[Any]) -> dict[int, StoredContact]:
    """`_stored_contact` for a whole claimed batch of call-log/ticket jobs: two queries in
    the claim's thread hop instead of two per job on the event loop."""
    keys = {(job.integration_id, job.call_id) for job in jobs if job.call_id}
    if not keys:
        return {}
    matches: dict[tuple[int, str], ContactRef] = {}
    creating: set[tuple[int, str]] = set()
    # `call_id IN (...)` (indexed; a row-value IN makes SQLite scan the table), the pairs
    # checked here. Chunked so the IN list stays under SQLite's parameter limit.
    call_ids = sorted({call_id for _, call_id in keys})
    connection = session.connection()
    for start in range(0, len(call_ids), 500):
        chunk = {"call_ids": call_ids[start : start + 500]}
        for row in connection.execute(_MATCHES_OF_CALLS, chunk):
            if row.contact_id and (row.integration_id, row.call_id) in keys:
                matches[(row.integration_id, row.call_id)] = contact_ref(
                    row.contact_type, row.contact_id, row.fields or {}
                )
        creating.update(
            (row.integration_id, row.call_id)
            for row in connection.execute(_CREATE_CONTACT_JOBS_OF_CALLS, chunk)
            if row.status in ("pending", "running")
        )
    found: dict[int, StoredContact] = {}
    for job in jobs:
        key = (job.integration_id, job.call_id)
        if job.call_id:
            contact = matches.get(key)
            found[job.id] = (contact, contact is None and key in creating)
    return found


async def find_contact(
    state: Any, ctx: Any, event: CallEvent, *, stored: StoredContact | None = None
) -> ContactRef | None:
    """The call's contact: the stored match, else (unless a create-contact job for the
    call is still running: then `Deferred`) a live search, since the ringing flow may not
    have run. Raises PeerError when the search failed in a retryable way.

    `stored` is that match as `prefetch_contacts` read it for the claimed batch; without
    it the match is read now."""
    if stored is None:
        # Indexed reads on the loop thread: a thread hop per job costs more than the reads.
        stored = _stored_contact(state, ctx.integration_id, event.call_id)
    contact, creating = stored
    if contact is not None:
        return contact
    if creating:
        from ringdesk.outbox.jobs import Deferred

        raise Deferred("waiting for the contact being created for this call", delay=2.0)
    number = event.external_number()
    if not number or not ctx.template.contact_search.contact_types:
        return None
    from ringdesk.flows.contacts import search_contacts

    try:
        found = await search_contacts(state, ctx, number)
    except PeerError as exc:
        if exc.retryable:
            raise
        return None  # a broken search must not block the log forever
    if not found:
        return None
    first = found[0]
    return contact_ref(first.contact_type, first.id, first.fields)


async def send(
    state: Any,
    ctx: Any,
    *,
    scenario: str,
    spec: RequestSpec,
    variables: Mapping[str, str],
    idempotency_key: str,
) -> Any:
    """Render `spec` and send it: the URL as `flows.contacts.render_url` does (values in
    the query URL-escaped, a `{{.base_url}}` prefix kept a URL), the body JSON-escaped."""
    from ringdesk.expressions import gotemplate
    from ringdesk.flows.contacts import render_url

    tz = str(ctx.options.get("timezone") or "UTC")
    data = {**ctx.variables, **variables}
    url = render_url(spec.url, data)
    body = gotemplate.render(spec.body, data, escape="json", tz=tz) if spec.body else None
    return await state.executor.request(
        ctx,
        scenario=scenario,
        method=spec.method or "POST",
        url=url,
        body=body,
        idempotency_key=idempotency_key,
    )


def response_id(response: Any) -> str:
    """A created object's id from a JSON response, when it has an obvious one."""
    try:
        document = response.json()
    except Exception:
        return ""
    if not isinstance(document, dict):
        return ""
    candidates = [document, *(v for v in document.values() if isinstance(v, dict))]
    for candidate in candidates:
        value = candidate.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return ""
