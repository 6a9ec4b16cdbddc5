"""The agent page (C9): `/agent/{extension}?key=…` shows live screen pops from the SSE
stream; no admin login, the signed agent key is the credential. An unknown caller's pop
links to `/agent/create-contact` (a durable create-contact job, N1) and `/agent/new-ticket`;
the agent page adds its extension and key to those links.

An agent acts only in the integrations its extension is tied to (a helpdesk user of that
integration is associated with the extension, U5): a key for extension 1001 cannot create
a contact in a helpdesk where nobody answers 1001. An extension tied to nothing can act
nowhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ringdesk.errors import TemplateError
from ringdesk.flows.createcontact import request_contact
from ringdesk.screenpop.agent_tokens import verify_agent_link
from ringdesk.store import users as users_repo
from ringdesk.web.csrf import check_csrf
from ringdesk.web.render import render, services_of

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
    services = services_of(request)
    secret = services.settings.resolved_secret_key()
    return bool(extension) and verify_agent_link(services.database, secret, extension, key)


def _tied(request: Request, integration_id: int, extension: str) -> bool:
    """Whether `extension` is tied to a helpdesk user of the integration (U5)."""
    with services_of(request).database.session() as session:
        return bool(users_repo.owner_of(session, integration_id, extension))


def _denied(request: Request, action: str, context: dict[str, Any]) -> Response:
    """The agent key does not match the extension: say so, and show nothing else."""
    return render(
        request, "agent_action.html", action=action, denied=True, status_code=403, **context
    )


def _contact_types(request: Request, integration_id: int) -> tuple[str, list[str]] | None:
    """(integration name, create-contact types) or None when it cannot create contacts."""
    try:
        ctx = services_of(request).contexts.get(integration_id)
    except (LookupError, TemplateError):
        return None
    name, template = ctx.name, ctx.template
    create = template.create_contact
    if create is None or not create.enabled or not create.contact_types:
        return None
    return name, [c.name for c in create.contact_types]


@router.get("/agent/create-contact")
def create_contact_page(request: Request, link: Annotated[CallLink, Depends()]) -> Response:
    context = link.context()
    if not _key_ok(request, link.ext, link.key):
        return _denied(request, "Create contact", context)
    found = None
    if link.integration.isdigit() and _tied(request, int(link.integration), link.ext):
        found = _contact_types(request, int(link.integration))
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
    if not _tied(request, integration_id, values["ext"]):
        return _denied(request, "Create contact", context)
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
    services = services_of(request)
    with services.database.session() as session:
        status, already = request_contact(
            session,
            integration_id,
            call_id=values["call_id"] or f"agent:{values['phone']}",
            phone=values["phone"],
            name=name,
            contact_type=contact_type,
            extension=values["ext"],
            now=services.clock.now(),
        )
    # `already`: queued before (by the automatic option or another click)
    return render(
        request,
        "agent_action.html",
        action="Create contact",
        done=status,
        already=already,
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
