"""The agent page (C9): `/agent/{extension}?key=…` shows live screen pops from the SSE
stream; no admin login, the signed agent key is the credential."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ringdesk.screenpop.agent_tokens import verify_agent_key
from ringdesk.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/agent/create-contact")
def create_contact_page(
    request: Request, phone: str = "", call_id: str = "", integration: str = ""
) -> Response:
    return render(
        request,
        "agent_action.html",
        action="Create contact",
        phone=phone,
        call_id=call_id,
        integration=integration,
    )


@router.get("/agent/new-ticket")
def new_ticket_page(
    request: Request, phone: str = "", call_id: str = "", integration: str = ""
) -> Response:
    return render(
        request,
        "agent_action.html",
        action="New ticket",
        phone=phone,
        call_id=call_id,
        integration=integration,
    )


@router.get("/agent/{extension}")
def agent_page(request: Request, extension: str, key: str = "") -> Response:
    secret = request.app.state.settings.resolved_secret_key()
    if not verify_agent_key(secret, extension, key):
        return render(
            request, "agent.html", extension=extension, key="", denied=True, status_code=403
        )
    return render(request, "agent.html", extension=extension, key=key, denied=False)
