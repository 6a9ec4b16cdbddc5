"""Integration pages: list, create from a template, connect (fields + OAuth2 redirect),
status, options, users ↔ extensions, syncs and the request log (I5, U5, A9).

Everything that changes state goes through the REST API (`call_api`); reads of plain,
secret-free rows come from the database. Secret values are never put on a page: password
inputs are always empty and only say whether a value is set (A9).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from ringdesk.errors import TemplateError
from ringdesk.integrations.options import TICKET_WHEN, effective_options
from ringdesk.store import integrations as integrations_repo
from ringdesk.store import templates as templates_repo
from ringdesk.store import users as users_repo
from ringdesk.store.tables import Integration
from ringdesk.templates.model import Template
from ringdesk.web.apiclient import ApiUnavailable, call_api, error_text, json_or_none
from ringdesk.web.auth import current_admin
from ringdesk.web.csrf import check_csrf
from ringdesk.web.render import flash, render, services_of

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(current_admin)], include_in_schema=False)

REQUEST_LOG_ROWS = 50


def _back(integration_id: int, anchor: str = "") -> Response:
    return RedirectResponse(
        f"/admin/integrations/{integration_id}{'#' + anchor if anchor else ''}", status_code=303
    )


@router.get("/admin/integrations")
def list_integrations(request: Request) -> Response:
    with services_of(request).database.session() as session:
        rows = sorted(integrations_repo.list_all(session), key=lambda r: (r.name, r.id))
        names = {t.id: t.name for t in templates_repo.list_rows(session)}
        items = [
            {
                "id": r.id,
                "name": r.name,
                "template": names.get(r.template_id, r.template_id),
                "template_id": r.template_id,
                "status": r.status,
                "message": r.status_message or "",
            }
            for r in rows
        ]
        templates = sorted(names.items(), key=lambda kv: kv[1].lower())
    return render(request, "integrations_list.html", items=items, templates=templates)


@router.post("/admin/integrations")
async def create_integration(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    template_id = str(form.get("template_id") or "")
    name = str(form.get("name") or "").strip()
    if not template_id or not name:
        flash(request, "Choose a template and a name.", "error")
        return RedirectResponse("/admin/integrations", status_code=303)
    try:
        response = await call_api(
            request,
            "POST",
            "/integrations",
            json={"template_id": template_id, "name": name, "fields": {}, "options": {}},
        )
    except ApiUnavailable:
        flash(request, "Creating integrations is not available yet (API missing).", "error")
        return RedirectResponse("/admin/integrations", status_code=303)
    body = json_or_none(response)
    if not response.is_success or not isinstance(body, dict) or "id" not in body:
        flash(request, f"Not created: {error_text(response)}", "error")
        return RedirectResponse("/admin/integrations", status_code=303)
    flash(request, f"Integration {name!r} created. Fill in its connection details.")
    return _back(int(body["id"]), "connect")


def _secret_names(request: Request, row: Integration) -> set[str]:
    """Names of the secrets stored for `row` (values are never read into the page)."""
    crypto = services_of(request).crypto
    if not row.secrets:
        return set()
    try:
        return set(crypto.decrypt(row.secrets))
    except Exception:  # an undecryptable blob shows as "unset"; the API reports the details
        return set()


async def _api_list(request: Request, path: str) -> tuple[list[dict[str, Any]] | None, str]:
    """A list from the API, or (None, reason) when unavailable/failed."""
    try:
        response = await call_api(request, "GET", path)
    except ApiUnavailable:
        return None, "not available on this server yet"
    body = json_or_none(response)
    if isinstance(body, dict):
        for key in ("items", "users", "results", "data"):
            if isinstance(body.get(key), list):
                body = body[key]
                break
    if not response.is_success or not isinstance(body, list):
        return None, error_text(response)
    return [b for b in body if isinstance(b, dict)], ""


@router.get("/admin/integrations/{integration_id}")
async def integration_page(request: Request, integration_id: int) -> Response:
    with services_of(request).database.session() as session:
        row = integrations_repo.get(session, integration_id)
        if row is None:
            flash(request, f"No integration {integration_id}.", "error")
            return RedirectResponse("/admin/integrations", status_code=303)
        template_row = templates_repo.get_row(session, row.template_id)
        try:
            template: Template | None = templates_repo.get_template(session, row.template_id)
        except (LookupError, TemplateError):
            template = None
        secrets = _secret_names(request, row)
        integration: dict[str, Any] = {
            "id": row.id,
            "name": row.name,
            "template_id": row.template_id,
            "template_name": template_row.name if template_row else row.template_id,
            "status": row.status,
            "message": row.status_message or "",
            "fields": dict(row.fields or {}),
            "options": dict(row.options or {}),
            "token_expires_at": row.token_expires_at,
            "contact_sync": dict(row.contact_sync or {}),
        }
        extensions = [
            {"number": e.number, "name": e.name, "email": e.email}
            for e in users_repo.list_extensions(session)
        ]
    fields = []
    if template is not None:
        for fld in template.authentication.fields:
            fields.append(
                {
                    "name": fld.name,
                    "title": fld.title or fld.name,
                    "type": fld.type,
                    "options": fld.option_list,
                    "secret": fld.secret,
                    "is_set": fld.name in secrets if fld.secret else None,
                    "value": "" if fld.secret else str(integration["fields"].get(fld.name, "")),
                }
            )
    users, users_note = await _api_list(request, f"/integrations/{integration_id}/users")
    # Through the API: it flushes the executor's buffered request log first (I4).
    entries, log_note = await _api_list(
        request, f"/integrations/{integration_id}/requests?limit={REQUEST_LOG_ROWS}"
    )
    log = [
        {
            "at": e.get("created_at") or 0,
            "scenario": e.get("scenario", ""),
            "method": e.get("method", ""),
            "url": e.get("url", ""),
            "status": e.get("status"),
            "duration_ms": e.get("duration_ms") or 0,
            "error": e.get("error") or "",
            "request": e.get("request", ""),
            "response": e.get("response", ""),
        }
        for e in entries or []
    ]
    sync_result = request.session.pop("sync_result", None)
    return render(
        request,
        "integration_detail.html",
        i=integration,
        template=template,
        fields=fields,
        oauth=template is not None and template.authentication.method == "oauth2",
        options=_options_view(template, integration["options"]),
        users=users,
        users_note=users_note,
        extensions=extensions,
        log=log,
        log_note=log_note,
        sync_result=sync_result,
        ticket_when=TICKET_WHEN,
    )


def _options_view(template: Template | None, stored: dict[str, Any]) -> dict[str, Any]:
    """The integration's effective options (what delivery uses) and which of them the
    template lets the admin change (L2, T2)."""
    if template is None:
        return {
            "contact_types": [],
            "create_types": [],
            "call_log": {},
            "ticket": {},
            "timezone": str(stored.get("timezone") or "UTC"),
            "default_region": "",
            "sync_contact_types": [],
        }
    eff = effective_options(template, stored)
    create = template.create_contact
    cl, tk = template.call_log, template.ticket
    return {
        "timezone": eff.timezone,
        "default_region": eff.default_region,
        "contact_types": [c.name for c in template.contact_search.contact_types],
        "sync_contact_types": list(eff.sync_contact_types),
        "create_types": [c.name for c in create.contact_types] if create and create.enabled else [],
        "create_enabled": eff.create_contact.enabled,
        "create_type": eff.create_contact.contact_type,
        "call_log": {
            "available": cl is not None and cl.enabled,
            "enabled": eff.call_log.enabled,
            "subject": eff.call_log.subject,
            "subject_editable": bool(cl and cl.options.subject.enabled),
            "description": eff.call_log.description,
            "description_editable": bool(cl and cl.options.description.enabled),
            "play_recording": eff.call_log.play_recording,
            "play_recording_editable": bool(cl and cl.options.play_recording.enabled),
            "skip_missed": eff.call_log.skip_missed_for_unanswered_agents,
            "skip_missed_editable": bool(
                cl and cl.options.skip_missed_for_unanswered_agents.enabled
            ),
        },
        "ticket": {
            "available": tk is not None and tk.enabled,
            "enabled": eff.ticket.enabled,
            "when": eff.ticket.when,
            "subject": eff.ticket.subject,
            "subject_editable": bool(tk and tk.options.subject.enabled),
            "description": eff.ticket.description,
            "description_editable": bool(tk and tk.options.description.enabled),
        },
    }


@router.post("/admin/integrations/{integration_id}/connect")
async def connect(request: Request, integration_id: int) -> Response:
    """Save the connect fields (blank password = keep), then connect; OAuth2 redirects."""
    await check_csrf(request)
    form = await request.form()
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        if key.startswith("field.") and isinstance(value, str):
            name = key.removeprefix("field.")
            secret = form.get(f"secret.{name}") == "1"
            if secret and not value:
                continue  # A9: an empty password input means "unchanged"
            fields[name] = value
    try:
        if fields:
            saved = await call_api(
                request, "PATCH", f"/integrations/{integration_id}", json={"fields": fields}
            )
            if not saved.is_success:
                flash(request, f"Not saved: {error_text(saved)}", "error")
                return _back(integration_id, "connect")
        response = await call_api(request, "POST", f"/integrations/{integration_id}/connect")
    except ApiUnavailable:
        flash(request, "Connecting is not available on this server yet.", "error")
        return _back(integration_id, "connect")
    body = json_or_none(response)
    if response.is_success and isinstance(body, dict) and body.get("status") == "redirect":
        # OAuth2 (A5): the browser goes to the helpdesk's authorize page for real.
        return RedirectResponse(str(body.get("url")), status_code=303)
    if response.is_success:
        flash(request, f"Connection: {body.get('status') if isinstance(body, dict) else 'ok'}.")
    else:
        flash(request, f"Connection failed: {error_text(response)}", "error")
    return _back(integration_id, "connect")


@router.post("/admin/integrations/{integration_id}/options")
async def save_options(request: Request, integration_id: int) -> Response:
    await check_csrf(request)
    form = await request.form()

    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    def flag(name: str) -> bool:
        return form.get(name) is not None

    options: dict[str, Any] = {
        "timezone": text("timezone") or "UTC",
        "sync_contact_types": [v for v in form.getlist("sync_contact_types") if isinstance(v, str)],
        "create_contact": {"enabled": flag("create_enabled")},
        "call_log": {
            "enabled": flag("call_log_enabled"),
            "play_recording": flag("play_recording"),
            "skip_missed_for_unanswered_agents": flag("skip_missed"),
        },
        "ticket": {"enabled": flag("ticket_enabled"), "when": text("ticket_when") or "missed"},
    }
    if text("default_region"):
        options["default_region"] = text("default_region").upper()
    if text("create_type"):
        options["create_contact"]["contact_type"] = text("create_type")
    for section, key in (
        ("call_log", "subject"),
        ("call_log", "description"),
        ("ticket", "subject"),
        ("ticket", "description"),
    ):
        name = f"{section}_{key}"
        if name in form:
            options[section][key] = text(name)
    try:
        response = await call_api(
            request, "PATCH", f"/integrations/{integration_id}", json={"options": options}
        )
    except ApiUnavailable:
        flash(request, "Saving options is not available on this server yet.", "error")
        return _back(integration_id, "options")
    if response.is_success:
        flash(request, "Options saved.")
    else:
        flash(request, f"Options not saved: {error_text(response)}", "error")
    return _back(integration_id, "options")


@router.post("/admin/integrations/{integration_id}/sync/{what}")
async def sync(request: Request, integration_id: int, what: str) -> Response:
    await check_csrf(request)
    if what not in {"users", "contacts"}:
        return Response(status_code=404)
    try:
        response = await call_api(request, "POST", f"/integrations/{integration_id}/{what}/sync")
    except ApiUnavailable:
        flash(request, f"{what.title()} sync is not available on this server yet.", "error")
        return _back(integration_id, what)
    body = json_or_none(response)
    request.session["sync_result"] = {
        "what": what,
        "ok": response.is_success,
        "text": json.dumps(body, indent=1) if response.is_success else error_text(response),
    }
    return _back(integration_id, "users" if what == "users" else "sync")


@router.post("/admin/integrations/{integration_id}/users/auto-associate")
async def auto_associate(request: Request, integration_id: int) -> Response:
    await check_csrf(request)
    try:
        response = await call_api(
            request, "POST", f"/integrations/{integration_id}/users/auto-associate"
        )
    except ApiUnavailable:
        flash(request, "Automatic association is not available on this server yet.", "error")
        return _back(integration_id, "users")
    body = json_or_none(response)
    if response.is_success:
        made = body.get("associated") if isinstance(body, dict) else None
        pairs = [
            f"{m.get('user_id')} → {m.get('extension')}"
            for m in (made if isinstance(made, list) else [])
            if isinstance(m, dict)
        ]
        flash(
            request,
            f"Automatic association: {len(pairs)} matched by email"
            + (f" ({', '.join(pairs)})." if pairs else "."),
        )
    else:
        flash(request, f"Automatic association failed: {error_text(response)}", "error")
    return _back(integration_id, "users")


@router.post("/admin/integrations/{integration_id}/users/extension")
async def set_extension(request: Request, integration_id: int) -> Response:
    await check_csrf(request)
    form = await request.form()
    user_id = str(form.get("user_id") or "")
    extension = str(form.get("extension") or "")
    try:
        response = await call_api(
            request,
            "PUT",
            f"/integrations/{integration_id}/users/{user_id}/extension",
            json={"extension": extension or None},
        )
    except ApiUnavailable:
        flash(request, "Associating users is not available on this server yet.", "error")
        return _back(integration_id, "users")
    if response.is_success:
        flash(request, f"User {user_id} → {extension or 'no extension'}.")
    else:
        flash(request, f"Not saved: {error_text(response)}", "error")
    return _back(integration_id, "users")
