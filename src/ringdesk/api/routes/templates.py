"""REST resource: templates (api.md) — import/export XML, validate, logo, list, delete.

Bodies are template XML (`application/xml`), read with a size cap (413 past
`settings.max_upload_bytes`). Refusals answer 422 `{problems: [...]}` with each problem's
section, field and line. Built-in templates are read-only (403).

Imports also take the PBX's own template format (`<Information Provider="helpdesk">`): it is
converted (`templates.importing`) and the answer carries the conversion report under
`conversion`, on success and on refusal. `import_template_xml` is the one import path, also
used by `ringdesk template import`. `GET /templates/{id}/export?format=pbx` writes a template
in the PBX format. `POST /templates/{id}/copy` copies any template, a built-in one included,
into a new custom template that can be edited (it counts toward the 10, G5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import (
    APIRouter,
    Depends,
    File,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
    status,
)
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ringdesk.api.deps import AdminDep, SessionDep, SettingsDep
from ringdesk.store import templates as repo
from ringdesk.store.db import Session
from ringdesk.store.tables import TemplateRow
from ringdesk.templates.codec import load_xml
from ringdesk.templates.importing import Imported, import_xml
from ringdesk.templates.logo import LOGO_MAX_BYTES, check_logo
from ringdesk.templates.model import Logo
from ringdesk.templates.pbx_write import export_pbx
from ringdesk.templates.validate import MAX_CUSTOM_TEMPLATES, Problem, has_errors, validate

__all__ = ["CopyRequest", "ImportOutcome", "import_template_xml", "router"]

router = APIRouter(tags=["templates"])
# The logo is served without the admin token so <img> tags on any page can show it.
public_router = APIRouter(tags=["templates"])
admin_router = APIRouter(tags=["templates"], dependencies=[AdminDep])


async def xml_body(request: Request, settings: SettingsDep) -> bytes:
    """The raw request body, refused with 413 once it passes `max_upload_bytes`."""
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"body over {limit} bytes")
    return bytes(body)


XmlBody = Annotated[bytes, Depends(xml_body)]


@dataclass(frozen=True)
class ImportOutcome:
    """An import: what was read (and converted), every problem, the stored row (None when
    refused)."""

    imported: Imported
    problems: list[Problem]
    row: TemplateRow | None = None


def _parse(body: bytes, *, custom_count: int | None) -> tuple[Imported, list[Problem]]:
    """Read XML in either format (a PBX template is converted) and validate it."""
    imported = import_xml(body)
    if imported.template is None:
        return imported, list(imported.problems)
    return imported, validate(imported.template, custom_count=custom_count)


def import_template_xml(session: Session, body: bytes) -> ImportOutcome:
    """Store template XML (ringdesk's format, or the PBX's converted) as a new custom
    template, validated and within the 10-template limit (E4, G5); refused with problems."""
    imported, problems = _parse(body, custom_count=repo.count_custom_locked(session))
    if imported.template is None or has_errors(problems):
        return ImportOutcome(imported, problems)
    return ImportOutcome(imported, problems, repo.create_custom(session, imported.template))


def _with_report(out: dict[str, Any], imported: Imported) -> dict[str, Any]:
    report = imported.report()
    return out if report is None else {**out, "conversion": report}


def _refused(
    problems: list[Problem], code: int = 422, imported: Imported | None = None
) -> JSONResponse:
    errors = [p for p in problems if p.severity == "error"]
    detail = "; ".join(f"{p.section}.{p.field}: {p.message}".lstrip(".") for p in errors[:3])
    out = {"detail": detail, "problems": [p.to_dict() for p in problems]}
    return JSONResponse(_with_report(out, imported) if imported else out, status_code=code)


def _summary(row: TemplateRow, problems: list[Problem] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "builtin": row.builtin,
        "has_logo": row.logo is not None,
        "logo_url": f"/api/v1/templates/{row.id}/logo" if row.logo is not None else None,
        "updated_at": row.updated_at,
    }
    if problems is not None:
        out["problems"] = [p.to_dict() for p in problems]
    return out


def _row_or_404(session: SessionDep, template_id: str) -> TemplateRow:
    row = repo.get_row(session, template_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no template {template_id!r}")
    return row


def _writable(session: SessionDep, template_id: str) -> TemplateRow:
    row = _row_or_404(session, template_id)
    if row.builtin:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"template {template_id!r} is built-in and read-only; copy it "
            f"(POST /templates/{template_id}/copy) and edit the copy",
        )
    return row


@admin_router.get("/templates")
def list_templates(session: SessionDep) -> dict[str, Any]:
    """Built-in and custom templates, and how many of the 10 custom slots are used (G5)."""
    rows = repo.list_rows(session)
    custom = sum(1 for r in rows if not r.builtin)
    return {
        "templates": [_summary(r) for r in rows],
        "custom_count": custom,
        "custom_limit": MAX_CUSTOM_TEMPLATES,
    }


@admin_router.post("/templates", status_code=status.HTTP_201_CREATED, response_model=None)
def create_template(body: XmlBody, session: SessionDep) -> dict[str, Any] | JSONResponse:
    """Import template XML → 201 with warnings, or 422 with every problem (E4, G5). The PBX's
    format is converted; its report is in `conversion` either way."""
    outcome = import_template_xml(session, body)
    if outcome.row is None:
        return _refused(outcome.problems, imported=outcome.imported)
    return _with_report(_summary(outcome.row, outcome.problems), outcome.imported)


@admin_router.post("/templates/validate")
def validate_template(body: XmlBody) -> dict[str, Any]:
    """Check XML without saving it (the UI editor): `{valid, problems}`."""
    imported, problems = _parse(body, custom_count=None)
    out = {
        "valid": imported.template is not None and not has_errors(problems),
        "problems": [p.to_dict() for p in problems],
    }
    return _with_report(out, imported)


@admin_router.get("/templates/{template_id}")
def get_template(template_id: str, session: SessionDep) -> dict[str, Any]:
    """One template as JSON (the model; the logo only as a URL)."""
    row = _row_or_404(session, template_id)
    template = load_xml(row.xml)
    view = template.model_dump(
        mode="json", exclude={"locations": True, "invalid_values": True, "general": {"logo"}}
    )
    return {**_summary(row), "template": view}


@admin_router.get("/templates/{template_id}/xml")
def export_template(template_id: str, session: SessionDep) -> Response:
    """The template's XML (G6), as a download."""
    row = _row_or_404(session, template_id)
    return Response(
        row.xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{row.id}.xml"'},
    )


@admin_router.get("/templates/{template_id}/export")
def export_template_as(
    template_id: str,
    session: SessionDep,
    kind: Annotated[Literal["ringdesk", "pbx"], Query(alias="format")] = "ringdesk",
) -> Response:
    """The template as a download: ringdesk's XML, or (`format=pbx`) the PBX's format, with
    what it cannot hold listed in a comment at its top and counted in
    `X-Ringdesk-Not-Exported`."""
    row = _row_or_404(session, template_id)
    if kind == "ringdesk":
        return export_template(template_id, session)
    exported = export_pbx(load_xml(row.xml))
    return Response(
        exported.xml,
        media_type="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="{row.id}.pbx.xml"',
            "X-Ringdesk-Not-Exported": str(len(exported.findings)),
        },
    )


@admin_router.put("/templates/{template_id}/xml", response_model=None)
def replace_template(
    template_id: str, body: XmlBody, session: SessionDep
) -> dict[str, Any] | JSONResponse:
    """Replace a custom template's XML; 403 for built-ins, 422 with problems."""
    row = _writable(session, template_id)
    imported, problems = _parse(body, custom_count=None)
    if imported.template is None or has_errors(problems):
        return _refused(problems, imported=imported)
    repo.replace_template(session, row, imported.template)
    return _with_report(_summary(row, problems), imported)


class CopyRequest(BaseModel):
    """The copy's name; its id is made from it. None: the original's name + " (copy)"."""

    name: str | None = Field(default=None, max_length=200)


@admin_router.post(
    "/templates/{template_id}/copy", status_code=status.HTTP_201_CREATED, response_model=None
)
def copy_template(
    template_id: str, session: SessionDep, body: CopyRequest | None = None
) -> dict[str, Any] | JSONResponse:
    """Copy a template (built-in or custom) into a new custom template → 201 with its id;
    404 for an unknown id, 422 when the name is blank or the 10 custom templates are used
    (G5: a copy counts, built-ins never do)."""
    row = _row_or_404(session, template_id)
    wanted = body.name if body is not None and body.name is not None else f"{row.name} (copy)"
    name = wanted.strip()
    if not name:
        return _refused([Problem("error", "General", "Name", None, "must not be blank")])
    template = load_xml(row.xml)
    copy = template.model_copy(
        update={"general": template.general.model_copy(update={"name": name})}
    )
    problems = validate(copy, custom_count=repo.count_custom_locked(session))
    if has_errors(problems):
        return _refused(problems)
    created = repo.create_custom(session, copy)
    return {**_summary(created, problems), "copied_from": row.id}


@admin_router.delete("/templates/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_template(template_id: str, session: SessionDep) -> Response:
    """Delete a custom template; 409 while integrations use it."""
    row = _writable(session, template_id)
    users = repo.integrations_using(session, template_id)
    if users:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"template {template_id!r} is used by {users} integration(s); delete them first",
        )
    repo.delete_template(session, row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@admin_router.post("/templates/{template_id}/logo", response_model=None)
def upload_logo(
    template_id: str, session: SessionDep, file: Annotated[UploadFile, File()]
) -> dict[str, Any] | JSONResponse:
    """Multipart logo upload (G1): really decoded; PNG/JPEG, ≤ 500 KB; 422 with the reason."""
    row = _writable(session, template_id)
    data = file.file.read(LOGO_MAX_BYTES + 1)
    verdict = check_logo(data, size=file.size)
    if not verdict.ok or verdict.content_type is None:
        problems = [Problem("error", "General", "Logo", None, e) for e in verdict.errors]
        return _refused(problems)
    repo.set_logo(session, row, Logo(content_type=verdict.content_type, data=data))
    warnings = [Problem("warning", "General", "Logo", None, w) for w in verdict.warnings]
    return {
        **_summary(row),
        "content_type": verdict.content_type,
        "width": verdict.width,
        "height": verdict.height,
        "problems": [p.to_dict() for p in warnings],
    }


@public_router.get("/templates/{template_id}/logo")
def get_logo(template_id: str, session: SessionDep) -> Response:
    """The template's logo image (no admin token needed: it is shown on every page)."""
    row = _row_or_404(session, template_id)
    if row.logo is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"template {template_id!r} has no logo")
    return Response(
        row.logo,
        media_type=row.logo_content_type or "application/octet-stream",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


router.include_router(public_router)
router.include_router(admin_router)
