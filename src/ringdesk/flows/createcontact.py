"""Create a contact for an unmatched caller (N1–N3): the body variables (pure), and the
delivery of one `create_contact` job queued by the ringing flow.

Names: the PBX caller name split at the last space into FirstName/LastName ("Ada King
Lovelace" → "Ada King" / "Lovelace"); a one-word name is the LastName; no name → the number
is the LastName and FirstName is empty. Extra variables with `from="response"` are read
from the response by GJSON path after the request (stored in the job result and the
call's match); any other `from` gives a fixed `value` (rendered) usable in the body.
N3: the job is keyed per call and every attempt carries that key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from ringdesk.flows import _delivery
from ringdesk.outbox.jobs import Delivered
from ringdesk.outbox.queue import ClaimedJob
from ringdesk.templates.model import CreateContactType, Template

__all__ = ["contact_variables", "deliver", "split_name"]

_ID_PATHS = ("id", "data.id", "contact.id", "result.id", "*.id")


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


def _contact_type(template: Template, chosen: str) -> CreateContactType:
    spec = template.create_contact
    if spec is None or not spec.contact_types:
        raise ValueError("the template cannot create contacts")
    for contact_type in spec.contact_types:
        if contact_type.name == chosen:
            return contact_type
    return spec.contact_types[0]


def _captured(contact_type: CreateContactType, text: str) -> dict[str, str]:
    from ringdesk.expressions import gjson

    values: dict[str, str] = {}
    for extra in contact_type.extra_variables:
        if extra.source == "response" and extra.path:
            result = gjson.get(text, extra.path)
            values[extra.name] = result.text if result.exists else ""
    return values


def _contact_id(captured: Mapping[str, str], text: str) -> str:
    if captured.get("ContactId"):
        return captured["ContactId"]
    for value in captured.values():
        if value:
            return value
    from ringdesk.expressions import gjson

    for path in _ID_PATHS:
        result = gjson.get(text, path)
        if result.exists and result.text and not result.text.startswith(("{", "[")):
            return result.text
    return ""


async def deliver(state: Any, ctx: Any, job: ClaimedJob) -> Delivered:
    """POST the contact, store it as the call's match, return its id (N1–N3)."""
    from ringdesk.expressions import gotemplate

    payload = job.payload
    chosen = str(payload.get("contact_type") or "")
    if not chosen:
        option = ctx.options.get("create_contact") or {}
        chosen = str(option.get("contact_type", "")) if isinstance(option, Mapping) else ""
    contact_type = _contact_type(ctx.template, chosen)
    phone = str(payload.get("phone", ""))
    call_id = str(payload.get("call_id") or job.call_id or "")
    variables = contact_variables(phone, str(payload.get("caller_name", "")), call_id)
    tz = str(ctx.options.get("timezone") or "UTC")
    for extra in contact_type.extra_variables:
        if extra.source != "response":
            data = {**ctx.variables, **variables}
            variables[extra.name] = gotemplate.render(extra.value, data, tz=tz)
    response = await _delivery.send(
        state,
        ctx,
        scenario="create_contact",
        spec=contact_type.request,
        variables=variables,
        idempotency_key=job.idempotency_key,
    )
    captured = _captured(contact_type, response.text)
    contact_id = _contact_id(captured, response.text)
    fields = {
        "ContactId": contact_id,
        "FirstName": variables["FirstName"],
        "LastName": variables["LastName"],
        "BusinessNumber": phone,
    }
    if contact_id and call_id:
        await asyncio.to_thread(_store, state, ctx, call_id, contact_type.name, fields)
    result = {"status": response.status, "contact_id": contact_id, "variables": captured}
    follow = {**variables, **captured, "ContactId": contact_id}
    return Delivered(result=result, trigger="contact_created", variables=follow)


def _store(state: Any, ctx: Any, call_id: str, type_name: str, fields: dict[str, str]) -> None:
    from sqlalchemy.exc import IntegrityError

    from ringdesk.flows.contacts import Contact
    from ringdesk.flows.screenpop import store_match

    contact = Contact(contact_type=type_name, id=fields["ContactId"], fields=fields)
    for attempt in range(2):  # the ringing flow may store a match for the call at once
        try:
            with state.db.session() as session:
                store_match(session, ctx.integration_id, call_id, contact)
            return
        except IntegrityError:
            if attempt:
                raise
