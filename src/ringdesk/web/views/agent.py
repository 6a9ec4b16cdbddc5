"""The agent page (C9): `/agent/{extension}?key=…` shows live screen pops from the SSE
stream; no admin login, the signed agent key is the credential. An unknown caller's pop
links to `/agent/create-contact` (a durable create-contact job, N1) and `/agent/new-ticket`;
the agent page adds its extension and key to those links."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from ringdesk.errors import TemplateError
from ringdesk.screenpop.agent_tokens import verify_agent_key
from ringdesk.store.tables import Integration, OutboxJob, TemplateRow
from ringdesk.web.auth import check_csrf
from ringdesk.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class CallLink:
    """The query an unknown caller's pop links with: the call, and the agent's key."""

    phone: str = ""
    call_id: str = ""
    integration: str = ""
    ext: str = ""
    key: str = ""

    def context(self) -> dict[str, Any]:
        """What the action page shows (never the key)."""
        return {
            "phone": self.phone,
            "call_id": self.call_id,
            "integration": self.integration,
            "ext": self.ext,
        }


def _key_ok(request: Request, extension: str, key: str) -> bool:
    secret = request.app.state.settings.resolved_secret_key()
    return bool(extension) and verify_agent_key(secret, extension, key)


def _denied(request: Request, action: str, context: dict[str, Any]) -> Response:
    """The agent key does not match the extension: say so, and show nothing else."""
    return render(
        request, "agent_action.html", action=action, denied=True, status_code=403, **context
    )


def _contact_types(request: Request, integration_id: int) -> tuple[str, list[str]] | None:
    """(integration name, create-contact types) or None when it cannot create contacts."""
    from ringdesk.templates import load_xml

    with request.app.state.db.session() as session:
        row = session.get(Integration, integration_id)
        template_row = session.get(TemplateRow, row.template_id) if row else None
        if row is None or template_row is None:
            return None
        name, xml = row.name, template_row.xml
    try:
        template = load_xml(xml)
    except TemplateError:
        return None
    create = template.create_contact
    if create is None or not create.enabled or not create.contact_types:
        return None
    return name, [c.name for c in create.contact_types]


@router.get("/agent/create-contact")
def create_contact_page(request: Request, link: Annotated[CallLink, Depends()]) -> Response:
    context = link.context()
    if not _key_ok(request, link.ext, link.key):
        return _denied(request, "Create contact", context)
    found = _contact_types(request, int(link.integration)) if link.integration.isdigit() else None
    return render(
        request, "agent_action.html", action="Create contact", key=link.key, found=found, **context
    )


@router.post("/agent/create-contact")
async def create_contact(request: Request) -> Response:
    """Queue one create-contact job for the call (the same key as the automatic one, so a
    caller is never created twice)."""
    await check_csrf(request)
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("phone", "call_id", "integration", "ext", "key")}
    name = str(form.get("name") or "").strip()[:200]
    contact_type = str(form.get("contact_type") or "")
    context: dict[str, Any] = {k: values[k] for k in ("phone", "call_id", "integration", "ext")}
    if not _key_ok(request, values["ext"], values["key"]) or not values["integration"].isdigit():
        return _denied(request, "Create contact", context)
    integration_id = int(values["integration"])
    found = _contact_types(request, integration_id)
    if found is None or contact_type not in found[1] or not values["phone"]:
        return render(
            request,
            "agent_action.html",
            action="Create contact",
            key=values["key"],
            found=found,
            error="This helpdesk cannot create that contact.",
            status_code=422,
            **context,
        )
    from ringdesk.outbox import enqueue

    call_id = values["call_id"] or f"agent:{values['phone']}"
    key = f"create_contact:{integration_id}:{call_id}"
    with request.app.state.db.session() as session:
        existing = session.scalar(select(OutboxJob).where(OutboxJob.idempotency_key == key))
    if existing is not None:  # already queued (by the automatic option or another click)
        return render(
            request,
            "agent_action.html",
            action="Create contact",
            done=existing.status,
            already=True,
            key=values["key"],
            found=found,
            **context,
        )
    with request.app.state.db.session() as session:
        enqueue(
            session,
            kind="create_contact",
            integration_id=integration_id,
            call_id=call_id,
            idempotency_key=key,
            payload={
                "phone": values["phone"],
                "caller_name": name,
                "contact_type": contact_type,
                "call_id": call_id,
                "extension": values["ext"],
            },
            now=time.time(),
        )
    with request.app.state.db.session() as session:
        job = session.scalar(select(OutboxJob).where(OutboxJob.idempotency_key == key))
        queued = job.status if job else "queued"
    return render(
        request,
        "agent_action.html",
        action="Create contact",
        done=queued,
        key=values["key"],
        found=found,
        **context,
    )


@router.get("/agent/new-ticket")
def new_ticket_page(request: Request, link: Annotated[CallLink, Depends()]) -> Response:
    context = link.context()
    if not _key_ok(request, link.ext, link.key):
        return _denied(request, "New ticket", context)
    return render(request, "agent_action.html", action="New ticket", key=link.key, **context)


@router.get("/agent/{extension}")
def agent_page(request: Request, extension: str, key: str = "") -> Response:
    if not _key_ok(request, extension, key):
        return render(
            request, "agent.html", extension=extension, key="", denied=True, status_code=403
        )
    return render(request, "agent.html", extension=extension, key=key, denied=False)
