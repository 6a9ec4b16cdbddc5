"""The settings page (admin only): what a PBX needs to send call events — the generic
webhook URL, the Yeastar webhook URL, the webhook secret (masked; shown once when generated
or rotated) and the docs' curl example. Reads and rotation go through `/api/v1/settings`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ringdesk.web.apiclient import ApiUnavailable, call_api, error_text, json_or_none
from ringdesk.web.auth import current_admin
from ringdesk.web.csrf import check_csrf
from ringdesk.web.render import render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(current_admin)], include_in_schema=False)


async def _page(
    request: Request, *, webhook: Any = None, error: str = "", code: int = 200
) -> Response:
    if webhook is None:
        try:
            response = await call_api(request, "GET", "/settings/webhook")
        except ApiUnavailable:
            response = None
        body = json_or_none(response) if response is not None else None
        if response is not None and response.is_success and isinstance(body, dict):
            webhook = body
        elif not error:
            error = error_text(response) if response is not None else "settings API missing"
    return render(request, "settings.html", webhook=webhook, error=error, status_code=code)


@router.get("/admin/settings")
async def settings_page(request: Request) -> Response:
    return await _page(request)


@router.post("/admin/settings/webhook/rotate")
async def rotate(request: Request) -> Response:
    """Rotate (or first generate) the webhook secret; the answer page shows it this once.
    Rendered directly, not redirected: the secret never travels in the session cookie."""
    await check_csrf(request)
    try:
        response = await call_api(request, "POST", "/settings/webhook/rotate")
    except ApiUnavailable:
        return await _page(request, error="Rotation is not available on this server.", code=503)
    body = json_or_none(response)
    if response.is_success and isinstance(body, dict):
        return await _page(request, webhook=body)
    return await _page(
        request, error=f"Not rotated: {error_text(response)}", code=response.status_code
    )
