"""Create a contact for an unmatched caller (N1–N3): the job queued by the ringing flow (its
payload and key), the body variables (pure), and the delivery of one job.

Names: the PBX caller name split at the last space into FirstName/LastName ("Ada King
Lovelace" → "Ada King" / "Lovelace"); a one-word name is the LastName; no name → the number
is the LastName and FirstName is empty. Extra variables with `from="response"` are read
from the response by GJSON path after the request (stored in the job result and the call's
match); any other `from` gives a fixed `value` (rendered) usable in the body.
N3: the job is keyed per call and every attempt carries that key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from ringdesk.errors import TemplateError
from ringdesk.events.model import CallEvent
from ringdesk.expressions import ExpressionError, gjson, gotemplate
from ringdesk.flows.contacts import Contact, popup_url
from ringdesk.flows.extras import find_duplicate, run_extra_requests
from ringdesk.flows.followup import follow_ups_after
from ringdesk.flows.outputs import extract_outputs
from ringdesk.http.client import Exchange
from ringdesk.http.request import render_request
from ringdesk.integrations.context import IntegrationContext
from ringdesk.outbox.jobs import ClaimedJob, Delivered
from ringdesk.services import Services
from ringdesk.store import calls, phonebook
from ringdesk.store import outbox as queue
from ringdesk.store.db import Session
from ringdesk.templates.model import CreateContactType, Template

__all__ = [
    "contact_variables",
    "create_contact_key",
    "create_contact_payload",
    "deliver",
    "enqueue_create_contact",
    "request_contact",
    "split_name",
]

_ID_PATHS = ("id", "data.id", "contact.id", "result.id", "*.id")
# Extra variables read from the create's response (the body by GJSON, or a header).
_READ_FROM_RESPONSE = ("response", "header")


def split_name(name: str, number: str) -> tuple[str, str]:
    """(FirstName, LastName) from a caller name, falling back to the number."""
    name = " ".join(name.split())
    if not name:
        return "", number
    first, _, last = name.rpartition(" ")
    return first, last


def contact_variables(phone: str, caller_name: str, call_id: str) -> dict[str, str]:
    """The N2 variables of a contact to create for `phone`."""
    first, last = split_name(caller_name, phone)
    return {
        "FirstName": first,
        "LastName": last,
        "BusinessNumber": phone,
        "Phone": phone,
        "CallId": call_id,
    }


def create_contact_key(integration_id: int, call_id: str) -> str:
    """The job key (and Idempotency-Key) of the contact created for one call (N3)."""
    return f"create_contact:{integration_id}:{call_id}"


def create_contact_payload(event: CallEvent, number: str, contact_type: str) -> dict[str, str]:
    """What a create-contact job carries: the caller's number and name, the contact type."""
    caller = event.to if event.direction == "outbound" else event.from_
    return {
        "phone": number,
        "caller_name": caller.name,
        "contact_type": contact_type,
        "call_id": event.call_id,
        "extension": event.extension,
    }


def enqueue_create_contact(
    session: Session,
    event: CallEvent,
    integration_id: int,
    number: str,
    contact_type: str,
    *,
    now: float,
) -> bool:
    """Queue the creation of the caller's contact (once per integration and call)."""
    return queue.enqueue(
        session,
        kind="create_contact",
        integration_id=integration_id,
        call_id=event.call_id,
        idempotency_key=create_contact_key(integration_id, event.call_id),
        payload=create_contact_payload(event, number, contact_type),
        now=now,
    )


def request_contact(
    session: Session,
    integration_id: int,
    *,
    call_id: str,
    phone: str,
    name: str,
    contact_type: str,
    extension: str,
    now: float,
) -> tuple[str, bool]:
    """An agent asked for the caller's contact (C9): queue the same job the automatic
    option would (the same key, so a caller is never created twice). Returns the job's
    status and whether it was already there."""
    key = create_contact_key(integration_id, call_id)
    existing = queue.get_by_key(session, key)
    if existing is not None:
        return existing.status, True
    queue.enqueue(
        session,
        kind="create_contact",
        integration_id=integration_id,
        call_id=call_id,
        idempotency_key=key,
        payload={
            "phone": phone,
            "caller_name": name,
            "contact_type": contact_type,
            "call_id": call_id,
            "extension": extension,
        },
        now=now,
    )
    job = queue.get_by_key(session, key)
    return (job.status if job is not None else "pending"), False


def _contact_type(template: Template, chosen: str) -> CreateContactType:
    spec = template.create_contact
    if spec is None or not spec.contact_types:
        raise TemplateError("the template cannot create contacts")
    for contact_type in spec.contact_types:
        if contact_type.name == chosen:
            return contact_type
    return spec.contact_types[0]


def _contact_id(captured: Mapping[str, str], text: str) -> str:
    if captured.get("ContactId"):
        return captured["ContactId"]
    for value in captured.values():
        if value:
            return value
    for path in _ID_PATHS:
        result = gjson.get(text, path)
        if result.exists and result.text and not result.text.startswith(("{", "[")):
            return result.text
    return ""


async def deliver(
    services: Services,
    ctx: IntegrationContext,
    job: ClaimedJob,
    *,
    capture: list[Exchange] | None = None,
    store_match: bool = True,
) -> Delivered:
    """POST the contact, store it as the call's match (unless `store_match` is False: the
    test console), return its id (N1–N3)."""
    payload = job.payload
    chosen = str(payload.get("contact_type") or ctx.options.create_contact.contact_type)
    contact_type = _contact_type(ctx.template, chosen)
    phone = str(payload.get("phone", ""))
    call_id = str(payload.get("call_id") or job.call_id or "")
    variables = contact_variables(phone, str(payload.get("caller_name", "")), call_id)
    for extra in contact_type.extra_variables:
        if extra.source not in _READ_FROM_RESPONSE:
            data = {**ctx.variables, **variables}
            variables[extra.name] = gotemplate.render(extra.value, data, tz=ctx.tz)
    data = await run_extra_requests(
        services,
        ctx,
        contact_type.extra_requests,
        {**ctx.variables, **variables},
        scenario="create_contact",
        capture=capture,
    )
    existing = await find_duplicate(
        services,
        ctx,
        contact_type.duplicate_check,
        data,
        scenario="create_contact",
        capture=capture,
    )
    if existing:  # made before (a retry after a crash, a helpdesk without Idempotency-Key)
        contact_id, captured, status = existing, {}, 0
    else:
        request = render_request(
            contact_type.request,
            data,
            tz=ctx.tz,
            headers=ctx.scenario_headers,
            idempotency_key=job.idempotency_key,
            default_method="POST",
        )
        response = await services.send(ctx, request, scenario="create_contact", capture=capture)
        captured = extract_outputs(
            contact_type.extra_variables,
            status=response.status,
            headers=dict(response.headers),
            body=response.content,
        )
        for extra in contact_type.extra_variables:  # a path that finds nothing: set, empty
            if extra.source in _READ_FROM_RESPONSE:
                captured.setdefault(extra.name, "")
        contact_id, status = _contact_id(captured, response.text), response.status
    fields = {
        "ContactId": contact_id,
        "FirstName": variables["FirstName"],
        "LastName": variables["LastName"],
        "BusinessNumber": phone,
    }
    if store_match and contact_id and call_id:
        await asyncio.to_thread(_store, services, ctx, call_id, contact_type.name, fields)
    follow = {**variables, **captured, "ContactId": contact_id}
    return Delivered(
        result={"status": status, "contact_id": contact_id, "variables": captured},
        after=follow_ups_after(services, ctx, "contact_created", follow),
    )


def _store(
    services: Services,
    ctx: IntegrationContext,
    call_id: str,
    type_name: str,
    fields: dict[str, str],
) -> None:
    with services.database.session() as session:
        calls.save_match(
            session,
            ctx.integration_id,
            call_id,
            contact_type=type_name,
            contact_id=fields["ContactId"],
            fields=fields,
            popup_url="",
        )
        # The local phonebook knows the new contact at once (N3): helpdesk search indexes
        # lag behind creates (HubSpot, Zendesk, Freshdesk), and the next call of the same
        # number then finds it here instead of creating it a second time.
        link = _popup_of(ctx, type_name, fields)
        contact = Contact(type_name, fields["ContactId"], dict(fields), link)
        phonebook.store_contacts(
            session,
            ctx.integration_id,
            type_name,
            [contact],
            ctx.options.default_region,
            prune=False,
        )


def _popup_of(ctx: IntegrationContext, type_name: str, fields: Mapping[str, str]) -> str:
    """The screen-pop URL the contact search of the same type would give, when it builds one
    from the contact's fields (`Popup mode="url"`); "" otherwise."""
    for search in ctx.template.contact_search.contact_types:
        if search.name == type_name and search.popup.mode == "url":
            phone = fields.get("BusinessNumber", "")
            try:
                return popup_url(search, fields, variables=ctx.variables, phone=phone)
            except (ExpressionError, TemplateError):  # a link is a convenience, not a must
                return ""
    return ""
