"""Template pages (I5, G1, G5, G6): the list, opening the editor on a new or stored template,
import, export, logo and delete. The editor's own actions are `template_editor`.

Importing a file saves it at once when it is valid (the list then shows it); when it is not,
the editor opens on it with every problem and a sentence saying it was not saved. A file in
the PBX's own format goes the same way (the REST API converts it); the editor then opens on
the converted template with the conversion report listed as warnings.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from ringdesk.errors import TemplateError
from ringdesk.store import templates as templates_repo
from ringdesk.store.tables import TemplateRow
from ringdesk.templates import load_xml, validate
from ringdesk.templates.importing import Imported, import_xml
from ringdesk.templates.problem import Problem
from ringdesk.templates.validate import MAX_CUSTOM_TEMPLATES
from ringdesk.web import template_form as tf
from ringdesk.web.apiclient import ApiUnavailable, call_api, error_text
from ringdesk.web.auth import current_admin
from ringdesk.web.csrf import check_csrf
from ringdesk.web.render import flash, render, services_of
from ringdesk.web.views.template_editor import editor_page, save_xml, xml_error

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(current_admin)], include_in_schema=False)

LOGO_TYPES = {"image/png", "image/jpeg"}


def _summary(row: TemplateRow) -> dict[str, Any]:
    try:
        notes = load_xml(row.xml).general.notes
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
        request, "templates_list.html", items=items, custom=custom, limit=MAX_CUSTOM_TEMPLATES
    )


@router.get("/admin/templates/{template_id}/logo")
def template_logo(request: Request, template_id: str) -> Response:
    with services_of(request).database.session() as session:
        row = templates_repo.get_row(session, template_id)
        if row is None:
            return Response(status_code=404)
        if row.logo:
            return Response(row.logo, media_type=row.logo_content_type or "image/png")
        try:
            logo = load_xml(row.xml).general.logo
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


@router.get("/admin/templates/new")
def new_template(request: Request) -> Response:
    return editor_page(request, raw={"general": {"max_concurrent_requests": "5"}})


@router.get("/admin/templates/{template_id}")
def edit_template(request: Request, template_id: str) -> Response:
    with services_of(request).database.session() as session:
        row = templates_repo.get_row(session, template_id)
        if row is None:
            flash(request, f"No template {template_id!r}.", "error")
            return RedirectResponse("/admin/templates", status_code=303)
        xml, builtin = row.xml, row.builtin
    common: dict[str, Any] = {"template_id": template_id, "builtin": builtin, "checked": True}
    try:
        template = load_xml(xml)
    except TemplateError as exc:
        return editor_page(request, xml=xml, tab="xml", xml_error=xml_error(exc), **common)
    return editor_page(
        request, raw=tf.from_template(template), problems=list(validate(template)), **common
    )


@router.post("/admin/templates/import")
async def import_template(request: Request) -> Response:
    """Save an uploaded template file; open it in the editor with its problems if refused."""
    await check_csrf(request)
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        await form.close()
        flash(request, "Choose an XML file to import.", "error")
        return RedirectResponse("/admin/templates", status_code=303)
    limit = services_of(request).settings.max_upload_bytes
    data = await upload.read(limit + 1)
    name = upload.filename or "the file"
    await form.close()
    if len(data) > limit:
        flash(request, f"{name} is larger than {limit} bytes: not imported.", "error")
        return RedirectResponse("/admin/templates", status_code=303)
    text = data.decode("utf-8", errors="replace")
    imported = import_xml(data)  # ringdesk's format, or the PBX's converted
    template = imported.template
    if template is None:
        problem = imported.problems[0]
        return editor_page(
            request,
            xml=text,
            tab="xml",
            xml_error=xml_error(
                TemplateError(problem.message, line=problem.line, column=problem.column)
            ),
            message=f"{name} was not imported: it is not a readable template. Fix the XML "
            "below and save.",
            checked=True,
            status_code=422,
        )
    report = _report(imported)
    saved = await save_xml(request, text)
    if isinstance(saved, str) and report:
        return editor_page(
            request,
            raw=tf.from_template(template),
            template_id=saved,
            problems=report,
            message=f"{name} was converted from the PBX's format and saved as "
            f"“{template.general.name}”. What did not convert as it was is listed below.",
        )
    if isinstance(saved, str):
        warnings = sum(1 for p in validate(template) if p.severity == "warning")
        note = f" with {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
        flash(request, f"{name} imported and saved as “{template.general.name}”{note}.")
        return RedirectResponse(f"/admin/templates/{saved}", status_code=303)
    problems, status_code = saved
    errors = sum(1 for p in problems if p.severity == "error")
    return editor_page(
        request,
        raw=tf.from_template(template),
        problems=[*report, *problems],
        message=f"{name} was not imported: {errors} problem{'s' if errors != 1 else ''} "
        "below must be fixed first. Fix them here and save.",
        checked=True,
        status_code=status_code,
    )


def _report(imported: Imported) -> list[Problem]:
    """The conversion report of a PBX file as warnings, placed in the PBX file."""
    findings = imported.conversion.findings if imported.conversion else ()
    return [
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
