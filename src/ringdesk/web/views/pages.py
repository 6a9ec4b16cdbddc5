"""Extensions and outbox pages (U5, L3): PBX extensions with their agent-page links, and
the delivery queue with failed jobs and a retry button."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from ringdesk.screenpop.agent_tokens import agent_url
from ringdesk.store import admin
from ringdesk.store import integrations as integrations_repo
from ringdesk.store import users as users_repo
from ringdesk.web.apiclient import ApiUnavailable, call_api, error_text, json_or_none
from ringdesk.web.auth import current_admin
from ringdesk.web.csrf import check_csrf
from ringdesk.web.render import flash, render, services_of

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(current_admin)], include_in_schema=False)

OUTBOX_STATUSES = ("failed", "pending", "running", "done")


@router.get("/admin/extensions")
def extensions_page(request: Request) -> Response:
    services = services_of(request)
    secret = services.settings.resolved_secret_key()
    with services.database.session() as session:
        rows = [
            {
                "number": e.number,
                "name": e.name,
                "email": e.email,
                "agent_url": agent_url(
                    "", secret, e.number, admin.agent_generation(session, e.number)
                ),
            }
            for e in users_repo.list_extensions(session)
        ]
    return render(request, "extensions.html", rows=rows)


@router.post("/admin/extensions")
async def save_extension(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    number = str(form.get("number") or "").strip()
    if not number:
        flash(request, "An extension needs a number.", "error")
        return RedirectResponse("/admin/extensions", status_code=303)
    body = {
        "number": number,
        "name": str(form.get("name") or ""),
        "email": str(form.get("email") or ""),
    }
    try:
        response = await call_api(
            request, "PUT", f"/extensions/{quote(number, safe='')}", json=body
        )
    except ApiUnavailable:
        flash(request, "Editing extensions is not available on this server yet.", "error")
        return RedirectResponse("/admin/extensions", status_code=303)
    if response.is_success:
        flash(request, f"Extension {number} saved.")
    else:
        flash(request, f"Extension not saved: {error_text(response)}", "error")
    return RedirectResponse("/admin/extensions", status_code=303)


@router.get("/admin/outbox")
async def outbox_page(request: Request, status: str = "failed") -> Response:
    status = status if status in OUTBOX_STATUSES else "failed"
    jobs: list[dict[str, Any]] | None = None
    note = ""
    try:
        response = await call_api(request, "GET", "/outbox", params={"status": status})
        body = json_or_none(response)
        if response.is_success and isinstance(body, list):
            jobs = [j for j in body if isinstance(j, dict)]
        else:
            note = error_text(response)
    except ApiUnavailable:
        note = "the outbox API is not available on this server yet"
    with services_of(request).database.session() as session:
        names = {i.id: i.name for i in integrations_repo.list_all(session)}
    return render(
        request,
        "outbox.html",
        jobs=jobs,
        note=note,
        status=status,
        statuses=OUTBOX_STATUSES,
        names=names,
    )


@router.post("/admin/outbox/{job_id}/retry")
async def retry(request: Request, job_id: int) -> Response:
    await check_csrf(request)
    try:
        response = await call_api(request, "POST", f"/outbox/{job_id}/retry")
    except ApiUnavailable:
        flash(request, "Retrying is not available on this server yet.", "error")
        return RedirectResponse("/admin/outbox", status_code=303)
    if response.is_success:
        flash(request, f"Job {job_id} queued again.")
    else:
        flash(request, f"Job {job_id} not retried: {error_text(response)}", "error")
    return RedirectResponse("/admin/outbox", status_code=303)
