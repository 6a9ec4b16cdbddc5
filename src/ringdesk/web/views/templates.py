"""Template pages: list, editor (form ⇄ XML), import/export, logo, test console (I5, I3, G1).

The editor is one server-rendered form. Only the active tab's inputs are on the page;
switching tab converts on the server (form → model → `dump_xml`, XML → `load_xml` → form),
so the two views never drift apart. Saving goes through the REST API. Importing a file in the
PBX's own format converts it (`templates.importing`) and shows its report as warnings.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from ringdesk.errors import TemplateError
from ringdesk.store import integrations as integrations_repo
from ringdesk.store import templates as templates_repo
from ringdesk.store.tables import TemplateRow
from ringdesk.templates.importing import import_xml
from ringdesk.templates.model import CONTACT_FIELDS as TEMPLATE_CONTACT_FIELDS
from ringdesk.templates.model import TRIGGER_EVENTS
from ringdesk.templates.pbx_read import is_pbx
from ringdesk.templates.problem import Problem
from ringdesk.web import template_form as tf
from ringdesk.web.apiclient import ApiUnavailable, call_api, error_text, json_or_none
from ringdesk.web.auth import check_csrf, current_admin
from ringdesk.web.render import flash, render, services_of

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(current_admin)], include_in_schema=False)

CUSTOM_LIMIT = 10  # G5
SCENARIOS = ("contact-search", "users", "create-contact", "call-log", "ticket")
LOGO_TYPES = {"image/png", "image/jpeg"}
CONTACT_FIELDS = (*TEMPLATE_CONTACT_FIELDS, "CustomValue")


def _templates_api() -> Any:
    """`ringdesk.templates` when its codec is there (H3), else None."""
    import ringdesk.templates as module

    if all(hasattr(module, n) for n in ("load_xml", "dump_xml", "validate")):
        return module
    return None


def _summary(row: TemplateRow) -> dict[str, Any]:
    api = _templates_api()
    notes = ""
    if api is not None:
        try:
            notes = api.load_xml(row.xml).general.notes
        except TemplateError:
            notes = ""
    return {
        "id": row.id,
        "name": row.name,
        "builtin": row.builtin,
        "notes": notes,
        "has_logo": bool(row.logo) or "<Logo" in row.xml,
    }


@router.get("/admin")
@router.get("/admin/")
def home() -> Response:
    return RedirectResponse("/admin/integrations", status_code=303)


@router.get("/admin/templates")
def list_templates(request: Request) -> Response:
    with services_of(request).database.session() as session:
        rows = sorted(templates_repo.list_rows(session), key=lambda r: (r.name, r.id))
        items = [_summary(r) for r in rows]
    custom = sum(1 for i in items if not i["builtin"])
    return render(
        request,
        "templates_list.html",
        items=items,
        custom=custom,
        limit=CUSTOM_LIMIT,
        codec=_templates_api() is not None,
    )


@router.get("/admin/templates/{template_id}/logo")
def template_logo(request: Request, template_id: str) -> Response:
    with services_of(request).database.session() as session:
        row = templates_repo.get_row(session, template_id)
        if row is None:
            return Response(status_code=404)
        if row.logo:
            return Response(row.logo, media_type=row.logo_content_type or "image/png")
        api = _templates_api()
        logo = None
        if api is not None:
            try:
                logo = api.load_xml(row.xml).general.logo
            except TemplateError:
                logo = None
    if logo is None or logo.content_type not in LOGO_TYPES:
        return Response(status_code=404)
    return Response(logo.data, media_type=logo.content_type)


@router.get("/admin/templates/{template_id}/export")
def export_template(request: Request, template_id: str) -> Response:
    with services_of(request).database.session() as session:
        row = templates_repo.get_row(session, template_id)
        if row is None:
            return Response("no such template", status_code=404)
        xml = row.xml
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{template_id}.xml"'},
    )


def _editor(
    request: Request,
    *,
    raw: dict[str, Any] | None = None,
    xml: str = "",
    tab: str = "form",
    template_id: str = "",
    builtin: bool = False,
    problems: list[Any] | None = None,
    xml_error: str | None = None,
    console: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    filled = tf.view(raw or {})
    matched = tf.match_problems(problems or [], filled)
    with services_of(request).database.session() as session:
        integrations = (
            [
                {"id": i.id, "name": i.name}
                for i in integrations_repo.list_all(session)
                if i.template_id == template_id
            ]
            if template_id
            else []
        )
    return render(
        request,
        "template_edit.html",
        t=filled,
        xml=xml,
        tab=tab,
        template_id=template_id,
        builtin=builtin,
        problems=matched,
        xml_error=xml_error,
        sections=tf.SECTIONS,
        limit_for=tf.limit_for,
        triggers=TRIGGER_EVENTS,
        contact_fields=CONTACT_FIELDS,
        scenarios=SCENARIOS,
        integrations=integrations,
        console=console,
        codec=_templates_api() is not None,
        status_code=status_code,
    )


@router.get("/admin/templates/new")
def new_template(request: Request) -> Response:
    return _editor(request, raw={"general": {"max_concurrent_requests": "5"}})


@router.get("/admin/templates/{template_id}")
def edit_template(request: Request, template_id: str) -> Response:
    api = _templates_api()
    with services_of(request).database.session() as session:
        row = templates_repo.get_row(session, template_id)
        if row is None:
            flash(request, f"No template {template_id!r}.", "error")
            return RedirectResponse("/admin/templates", status_code=303)
        xml, builtin = row.xml, row.builtin
    if api is None:
        return _editor(request, xml=xml, tab="xml", template_id=template_id, builtin=builtin)
    try:
        template = api.load_xml(xml)
    except TemplateError as exc:
        return _editor(
            request,
            xml=xml,
            tab="xml",
            template_id=template_id,
            builtin=builtin,
            xml_error=_xml_error(exc),
        )
    return _editor(
        request,
        raw=tf.from_template(template),
        template_id=template_id,
        builtin=builtin,
        problems=list(api.validate(template)),
    )


def _xml_error(exc: TemplateError) -> str:
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    where = f"line {line}" + (f", column {column}" if column else "") + ": " if line else ""
    return f"{where}{exc}"


async def _logo_upload(form: Any, raw: dict[str, Any]) -> str | None:
    """Embed an uploaded logo (G1) into the form data; returns an error message or None."""
    upload = form.get("logo_file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        if form.get("logo_remove"):
            raw.setdefault("general", {})["logo"] = None
        return None
    from ringdesk.templates.logo import LOGO_MAX_BYTES

    data = await upload.read(LOGO_MAX_BYTES + 1)
    try:
        content_type = _check_logo(data)
    except ValueError as exc:
        return str(exc)
    raw.setdefault("general", {})["logo"] = {
        "content_type": content_type,
        "data": base64.b64encode(data).decode(),
    }
    return None


def _check_logo(data: bytes) -> str:
    """G1 through the templates package's own check: the content type, or ValueError."""
    from ringdesk.templates.logo import check_logo

    verdict = check_logo(data)
    if not verdict.ok or verdict.content_type is None:
        raise ValueError("; ".join(verdict.errors) or "the logo was refused")
    return verdict.content_type


@router.post("/admin/templates/import")
async def import_template(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        await form.close()
        flash(request, "Choose an XML file to import.", "error")
        return RedirectResponse("/admin/templates", status_code=303)
    limit = services_of(request).settings.max_upload_bytes
    data = await upload.read(limit + 1)
    await form.close()
    if len(data) > limit:
        flash(request, f"The file is larger than {limit} bytes.", "error")
        return RedirectResponse("/admin/templates", status_code=303)
    text = data.decode("utf-8", errors="replace")
    api = _templates_api()
    if api is None:
        return _editor(request, xml=text, tab="xml")
    if is_pbx(data):  # the PBX's own format: converted, its report shown as warnings
        imported = import_xml(data)
        if imported.template is None:
            error = imported.problems[0]
            return _editor(
                request,
                xml=text,
                tab="xml",
                xml_error=f"{error.where}: {error.message}",
                status_code=422,
            )
        findings = imported.conversion.findings if imported.conversion else ()
        report = [
            Problem(
                "warning",
                "PBX import",
                f.element,
                f.line,
                f"{f.kind}: {f.element}: {f.message}",
                f.column,
            )
            for f in findings
        ]
        template = imported.template
        return _editor(
            request, raw=tf.from_template(template), problems=[*report, *api.validate(template)]
        )
    try:
        template = api.load_xml(data)
    except TemplateError as exc:
        return _editor(request, xml=text, tab="xml", xml_error=_xml_error(exc), status_code=422)
    return _editor(request, raw=tf.from_template(template), problems=list(api.validate(template)))


@router.post("/admin/templates/{template_id}/delete")
async def delete_template(request: Request, template_id: str) -> Response:
    await check_csrf(request)
    try:
        response = await call_api(request, "DELETE", f"/templates/{template_id}")
    except ApiUnavailable:
        flash(request, "Deleting templates is not available yet.", "error")
        return RedirectResponse("/admin/templates", status_code=303)
    if response.is_success:
        flash(request, "Template deleted.")
    else:
        flash(request, f"Not deleted: {error_text(response)}", "error")
    return RedirectResponse("/admin/templates", status_code=303)


@router.post("/admin/templates/editor")
async def editor_action(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    try:
        return await _editor_action(request, form)
    finally:
        await form.close()  # uploaded files are spooled to disk: release them now


async def _editor_action(request: Request, form: Any) -> Response:
    action = str(form.get("action") or "")
    tab = str(form.get("tab") or "form")
    template_id = str(form.get("template_id") or "")
    builtin = bool(form.get("builtin"))
    api = _templates_api()
    strings = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    raw = tf.nest(strings)
    xml = str(form.get("xml") or "")
    common: dict[str, Any] = {"template_id": template_id, "builtin": builtin}

    if api is None:
        return _editor(
            request,
            raw=raw,
            xml=xml,
            tab=tab,
            xml_error="The template codec is not available yet.",
            **common,
        )

    # 1. Whatever tab was showing, get the template it describes.
    template = None
    problems: list[Any] = []
    if tab == "xml":
        try:
            template = api.load_xml(xml)
        except TemplateError as exc:
            return _editor(
                request, xml=xml, tab="xml", xml_error=_xml_error(exc), status_code=422, **common
            )
        raw = tf.from_template(template)
    else:
        logo_error = await _logo_upload(form, raw)
        if logo_error:
            problems.append(tf.FieldProblem("error", logo_error, "general.logo", "general"))

    if action.startswith(("add:", "remove:")) and tab == "form":
        verb, _, path = action.partition(":")
        (tf.add_row if verb == "add" else tf.remove_row)(raw, path)
        return _editor(request, raw=raw, problems=problems, **common)

    if template is None:
        template, conversion = tf.to_template(raw)
        problems.extend(conversion)
        if template is None:
            return _editor(request, raw=raw, problems=problems, status_code=422, **common)
    problems.extend(api.validate(template))
    out_xml = api.dump_xml(template)

    if action == "show_xml":
        return _editor(request, raw=raw, xml=out_xml, tab="xml", problems=problems, **common)
    if action == "show_form":
        return _editor(request, raw=raw, problems=problems, **common)
    if action == "console":
        console = await _run_console(request, form, template_id, out_xml)
        return _editor(
            request, raw=raw, xml=out_xml, tab=tab, problems=problems, console=console, **common
        )
    if action == "save":
        if any(getattr(p, "severity", "error") == "error" for p in problems):
            return _editor(
                request,
                raw=raw,
                xml=out_xml,
                tab=tab,
                problems=problems,
                status_code=422,
                **common,
            )
        return await _save(request, raw, out_xml, tab, template_id, builtin, problems)
    # "validate" and anything else: show the problems where they belong.
    return _editor(request, raw=raw, xml=out_xml, tab=tab, problems=problems, **common)


async def _save(
    request: Request,
    raw: dict[str, Any],
    xml: str,
    tab: str,
    template_id: str,
    builtin: bool,
    problems: list[Any],
) -> Response:
    headers = {"content-type": "application/xml"}
    try:
        if template_id and not builtin:
            response = await call_api(
                request, "PUT", f"/templates/{template_id}/xml", content=xml, headers=headers
            )
        else:
            response = await call_api(request, "POST", "/templates", content=xml, headers=headers)
    except ApiUnavailable:
        return _editor(
            request,
            raw=raw,
            xml=xml,
            tab=tab,
            template_id=template_id,
            builtin=builtin,
            problems=problems,
            xml_error="Saving is not available yet (templates API missing).",
            status_code=503,
        )
    body = json_or_none(response)
    if not response.is_success:
        api_problems = (
            [_ApiProblem(p) for p in (body or {}).get("problems", []) if isinstance(p, dict)]
            if isinstance(body, dict)
            else []
        )
        if not api_problems:
            api_problems = [_ApiProblem({"message": error_text(response)})]
        return _editor(
            request,
            raw=raw,
            xml=xml,
            tab=tab,
            template_id=template_id,
            builtin=builtin,
            problems=api_problems,
            status_code=422,
        )
    new_id = str((body or {}).get("id") or template_id) if isinstance(body, dict) else template_id
    flash(request, "Template saved.")
    return RedirectResponse(f"/admin/templates/{new_id}", status_code=303)


class _ApiProblem:
    """A problem from the API's JSON, with the attributes `match_problems` reads."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.severity = str(data.get("severity", "error"))
        self.section = str(data.get("section", "") or "")
        self.field = str(data.get("field", "") or "")
        self.message = str(data.get("message", ""))
        line = data.get("line")
        self.line = line if isinstance(line, int) else None


def _sample_inputs(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            values[name.strip()] = value.strip()
    return values


async def _run_console(request: Request, form: Any, template_id: str, xml: str) -> dict[str, Any]:
    """Run one scenario through the test console API (I3); the page shows each exchange.

    With an integration chosen, its saved template and connection are used; otherwise the
    template as edited now, with the connect values typed into the console (never shown
    again on the page: they may be secrets, A9).
    """
    scenario = str(form.get("console_scenario") or SCENARIOS[0])
    integration = str(form.get("console_integration") or "")
    inputs = str(form.get("console_inputs") or "")
    sample = _sample_inputs(inputs)
    result: dict[str, Any] = {"scenario": scenario, "inputs": inputs, "integration": integration}
    try:
        if integration.isdigit():
            response = await call_api(
                request,
                "POST",
                f"/integrations/{integration}/console",
                json={"scenario": scenario, "sample": sample},
            )
        else:
            fields = _sample_inputs(str(form.get("console_fields") or ""))
            response = await call_api(
                request,
                "POST",
                f"/templates/{template_id or 'draft'}/console",
                json={"scenario": scenario, "sample": sample, "fields": fields, "xml": xml},
            )
    except ApiUnavailable:
        result["error"] = "The test console is not available on this server yet."
        return result
    body = json_or_none(response)
    if not response.is_success or not isinstance(body, dict):
        result["error"] = error_text(response)
        body = body if isinstance(body, dict) else {}
    elif body.get("error"):
        result["error"] = str(body["error"])
    result["exchanges"] = [e for e in body.get("exchanges", []) if isinstance(e, dict)]
    for e in result["exchanges"]:
        for key in ("request_headers", "response_headers"):
            if isinstance(e.get(key), dict):
                e[key] = "\n".join(f"{k}: {v}" for k, v in e[key].items())
            elif isinstance(e.get(key), list):
                e[key] = "\n".join(
                    f"{h[0]}: {h[1]}" if isinstance(h, list | tuple) and len(h) == 2 else str(h)
                    for h in e[key]
                )
    found = body.get("result")
    result["result"] = json.dumps(found, indent=2, ensure_ascii=False) if found else ""
    return result
