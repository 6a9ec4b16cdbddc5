"""REST resource: the OAuth2 callback (A5). No admin token: it is the browser's redirect
from the helpdesk, authenticated by the signed single-use `state`."""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from ringdesk.api.deps import ServicesDep
from ringdesk.errors import ConnectError, OAuthStateError
from ringdesk.flows.connect import complete_oauth
from ringdesk.redact import Redactor

__all__ = ["router"]

router = APIRouter(tags=["oauth"])


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _failure(request: Request, status: int, message: str) -> Any:
    if _wants_json(request):
        return JSONResponse(status_code=status, content={"status": "failed", "detail": message})
    page = (
        "<!doctype html><title>ringdesk: connection failed</title>"
        f"<h1>Connection failed</h1><p>{html.escape(message)}</p>"
        '<p><a href="/admin/">Back to ringdesk</a></p>'
    )
    return HTMLResponse(page, status_code=status)


@router.get("/oauth/callback", response_model=None)
async def callback(
    request: Request,
    services: ServicesDep,
    code: str = "",
    state: str = "",
    error: str = "",
    error_description: str = "",
) -> Any:
    if error:
        detail = Redactor().text(f"the helpdesk refused: {error} {error_description}".strip())
        return _failure(request, 400, detail)
    if not code or not state:
        return _failure(request, 400, "code and state are required")
    try:
        integration_id = await complete_oauth(services, code, state)
    except OAuthStateError as exc:
        return _failure(request, 400, str(exc))
    except ConnectError as exc:
        return _failure(request, 502, str(exc))
    if _wants_json(request):
        return {"status": "connected", "integration_id": integration_id}
    return RedirectResponse(f"/admin/integrations/{integration_id}", status_code=303)
