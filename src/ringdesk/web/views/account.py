"""The admin's own pages: change password, and admin API tokens (list, create — the secret
shown once, on the page that created it — and revoke). Both go through the REST API
(`/api/v1/admin/...`) in-process, as the logged-in admin."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from ringdesk.web.accounts import MIN_PASSWORD, MIN_SCORE
from ringdesk.web.apiclient import call_api, error_text, json_or_none
from ringdesk.web.auth import current_admin
from ringdesk.web.csrf import check_csrf
from ringdesk.web.render import flash, render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(current_admin)], include_in_schema=False)


def _problem(response: Any) -> str:
    body = json_or_none(response)
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        return str(detail[0].get("message") or detail[0].get("msg") or "")
    return error_text(response)


@router.get("/admin/password")
def password_page(request: Request) -> Response:
    return render(request, "password.html", min_password=MIN_PASSWORD, min_score=MIN_SCORE)


@router.post("/admin/password")
async def change_password(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    current = str(form.get("current_password") or "")
    new = str(form.get("new_password") or "")
    again = str(form.get("new_password_again") or "")
    error = "the two new passwords differ" if new != again else ""
    if not error:
        response = await call_api(
            request,
            "POST",
            "/admin/password",
            json={"current_password": current, "new_password": new},
        )
        if response.status_code == 200:
            revoked = int((json_or_none(response) or {}).get("sessions_revoked") or 0)
            others = f"; {revoked} other session(s) logged out" if revoked else ""
            flash(request, f"Password changed{others}.", "info")
            return RedirectResponse("/admin/password", status_code=303)
        error = _problem(response)
    return render(
        request,
        "password.html",
        min_password=MIN_PASSWORD,
        min_score=MIN_SCORE,
        error=error,
        status_code=422,
    )


def _when(value: Any) -> str:
    if not isinstance(value, int | float):
        return ""
    return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M UTC")


async def _tokens(request: Request) -> list[dict[str, Any]]:
    response = await call_api(request, "GET", "/admin/tokens")
    rows = json_or_none(response)
    if not isinstance(rows, list):
        return []
    return [
        {
            **row,
            "expires": _when(row.get("expires_at")),
            "last_used": _when(row.get("last_used_at")),
        }
        for row in rows
    ]


@router.get("/admin/tokens")
async def tokens_page(request: Request) -> Response:
    return render(request, "tokens.html", tokens=await _tokens(request))


@router.post("/admin/tokens")
async def create_token(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    name = str(form.get("name") or "").strip()
    days = str(form.get("expires_days") or "").strip()
    body: dict[str, Any] = {"name": name}
    if days:
        body["expires_days"] = days
    response = await call_api(request, "POST", "/admin/tokens", json=body)
    created = json_or_none(response) if response.status_code == 201 else None
    error = "" if created else _problem(response)
    return render(
        request,
        "tokens.html",
        tokens=await _tokens(request),
        created=created,
        error=error,
        token_name=name,
        status_code=201 if created else 422,
    )


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: int) -> Response:
    await check_csrf(request)
    response = await call_api(request, "DELETE", f"/admin/tokens/{token_id}")
    if response.status_code == 204:
        flash(request, f"Token {token_id} revoked.", "info")
    else:
        flash(request, error_text(response), "error")
    return RedirectResponse("/admin/tokens", status_code=303)
