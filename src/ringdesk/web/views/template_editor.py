"""The template editor (I5, I3, G1): one server-rendered form, one action per button.

Only the active tab's inputs are on the page; switching tab converts on the server (form →
model → `dump_xml`, XML → `load_xml` → form), so the two views never drift apart. Each
button posts `action=<name>` (`add:<list path>` and `remove:<row path>` for rows), and
`ACTIONS` maps the name to a small function. Saving goes through the REST API.

Validation problems are shown once the admin has asked for them (Validate, Save, the test
console) or opened a stored or imported template; until then a new template's tab switches
show only what stops the conversion (a number that is not a number, XML that does not
parse), not "helpdesk name is required" for a form nobody has filled in yet.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from ringdesk.console import SCENARIOS
from ringdesk.errors import TemplateError
from ringdesk.store import integrations as integrations_repo
from ringdesk.templates import Template, dump_xml, load_xml, validate
from ringdesk.templates.model import CONTACT_FIELDS as TEMPLATE_CONTACT_FIELDS
from ringdesk.templates.model import TRIGGER_EVENTS
from ringdesk.web import template_form as tf
from ringdesk.web.apiclient import ApiUnavailable, call_api, error_text, json_or_none
from ringdesk.web.auth import current_admin
from ringdesk.web.csrf import check_csrf
from ringdesk.web.render import flash, render, services_of

__all__ = [
    "ACTIONS",
    "CONSOLE_SAMPLES",
    "ApiProblem",
    "editor_page",
    "router",
    "save_xml",
    "xml_error",
]

router = APIRouter(dependencies=[Depends(current_admin)], include_in_schema=False)

CONTACT_FIELDS = (*TEMPLATE_CONTACT_FIELDS, "CustomValue")
_SAMPLE_CALLER = "phone=+4930123456\nname=Ada Lovelace"
# The test console's sample input per scenario: what the scenario reads, filled so that a
# first run works (contact search needs a phone number; call logs and tickets a call).
CONSOLE_SAMPLES: dict[str, str] = {
    "contact-search": "phone=+4930123456",
    "users": "",
    "create-contact": _SAMPLE_CALLER,
    "call-log": f"{_SAMPLE_CALLER}\nextension=1001\nstatus=answered\ntalk_seconds=65",
    "ticket": f"{_SAMPLE_CALLER}\nextension=1001\nstatus=missed",
}


class ApiProblem:
    """A problem from the API's JSON, with the attributes `match_problems` reads."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.severity = str(data.get("severity", "error"))
        self.section = str(data.get("section", "") or "")
        self.field = str(data.get("field", "") or "")
        self.message = str(data.get("message", ""))
        line, column = data.get("line"), data.get("column")
        self.line = line if isinstance(line, int) else None
        self.column = column if isinstance(column, int) else None


def xml_error(exc: TemplateError) -> str:
    """`line 3, column 14: message` for XML that does not load (the position once)."""
    where = ""
    if exc.line is not None:
        where = f"line {exc.line}" + (f", column {exc.column}" if exc.column is not None else "")
    return f"{where}: {exc.message}" if where else exc.message


def editor_page(
    request: Request,
    *,
    raw: dict[str, Any] | None = None,
    xml: str = "",
    tab: str = "form",
    template_id: str = "",
    builtin: bool = False,
    problems: list[Any] | None = None,
    checked: bool = False,
    xml_error: str | None = None,
    message: str = "",
    console: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """Render the editor. `checked`: validation problems are wanted from now on (kept in
    the form, so tab switches go on showing them). `message`: a sentence above the problems
    saying what happened (e.g. that an import was not saved)."""
    filled = tf.view(raw or {})
    matched = tf.match_problems(problems or [], filled)
    with services_of(request).database.session() as session:
        integrations = [
            {"id": i.id, "name": i.name}
            for i in integrations_repo.list_all(session)
            if template_id and i.template_id == template_id
        ]
    errors = sum(1 for p in matched.all if p.severity == "error")
    return render(
        request,
        "template_edit.html",
        t=filled,
        xml=xml,
        tab=tab,
        template_id=template_id,
        builtin=builtin,
        problems=matched,
        error_count=errors,
        warning_count=len(matched.all) - errors,
        checked=checked,
        xml_error=xml_error,
        message=message,
        sections=tf.SECTIONS,
        limit_for=tf.limit_for,
        triggers=TRIGGER_EVENTS,
        contact_fields=CONTACT_FIELDS,
        scenarios=SCENARIOS,
        samples=CONSOLE_SAMPLES,
        integrations=integrations,
        console=console,
        status_code=status_code,
    )


# ---- one submitted editor form ----------------------------------------------------------


@dataclass
class Built:
    """The template the submitted form describes, its problems and its XML."""

    template: Template
    xml: str
    problems: list[Any]


@dataclass
class Editor:
    """What the editor form sent: the current tab's content and the page's state."""

    request: Request
    form: FormData
    tab: str
    template_id: str
    builtin: bool
    checked: bool
    raw: dict[str, Any]
    xml: str
    early: list[Any] = field(default_factory=list)  # problems found before conversion

    @classmethod
    async def read(cls, request: Request, form: FormData) -> Editor:
        strings = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        editor = cls(
            request=request,
            form=form,
            tab="xml" if form.get("tab") == "xml" else "form",
            template_id=str(form.get("template_id") or ""),
            builtin=bool(form.get("builtin")),
            checked=bool(form.get("checked")),
            raw=tf.nest(strings),
            xml=str(form.get("xml") or ""),
        )
        if editor.tab == "form":
            logo_error = await _logo_upload(form, editor.raw)
            if logo_error:
                editor.early.append(tf.FieldProblem("error", logo_error, "general.logo", "general"))
        return editor

    def page(self, **context: Any) -> Response:
        """The editor again, for this form's template (context overrides)."""
        values: dict[str, Any] = {
            "raw": self.raw,
            "template_id": self.template_id,
            "builtin": self.builtin,
            "checked": self.checked,
        }
        values.update(context)
        return editor_page(self.request, **values)

    def build(self) -> Built | Response:
        """The template of the active tab, or the page explaining why there is none."""
        if self.tab == "xml":
            try:
                template = load_xml(self.xml)
            except TemplateError as exc:
                return self.page(xml=self.xml, tab="xml", xml_error=xml_error(exc), status_code=422)
            self.raw = tf.from_template(template)
            problems = list(self.early)
        else:
            converted, problems = tf.to_template(self.raw)
            problems = [*self.early, *problems]
            if converted is None:
                return self.page(problems=problems, status_code=422)
            template = converted
        return Built(template, dump_xml(template), [*problems, *validate(template)])

    def shown(self, built: Built) -> list[Any]:
        """The problems to show: all once checked, else only those found before validation."""
        return built.problems if self.checked else self.early


Action = Callable[[Editor, str], Awaitable[Response]]


async def _add_row(editor: Editor, path: str) -> Response:
    if editor.tab != "form":
        return await _validate(editor, path)
    tf.add_row(editor.raw, path)
    return editor.page(problems=editor.early)


async def _remove_row(editor: Editor, path: str) -> Response:
    if editor.tab != "form":
        return await _validate(editor, path)
    tf.remove_row(editor.raw, path)
    return editor.page(problems=editor.early)


async def _show_xml(editor: Editor, _arg: str) -> Response:
    built = editor.build()
    if isinstance(built, Response):
        return built
    return editor.page(xml=built.xml, tab="xml", problems=editor.shown(built))


async def _show_form(editor: Editor, _arg: str) -> Response:
    built = editor.build()
    if isinstance(built, Response):
        return built
    return editor.page(problems=editor.shown(built))


async def _validate(editor: Editor, _arg: str) -> Response:
    editor.checked = True
    built = editor.build()
    if isinstance(built, Response):
        return built
    return editor.page(xml=built.xml, tab=editor.tab, problems=built.problems)


async def _save(editor: Editor, _arg: str) -> Response:
    editor.checked = True
    built = editor.build()
    if isinstance(built, Response):
        return built
    if any(getattr(p, "severity", "error") == "error" for p in built.problems):
        return editor.page(xml=built.xml, tab=editor.tab, problems=built.problems, status_code=422)
    template_id = editor.template_id if not editor.builtin else ""
    saved = await save_xml(editor.request, built.xml, template_id=template_id)
    if isinstance(saved, str):
        flash(editor.request, "Template saved.")
        return RedirectResponse(f"/admin/templates/{saved}", status_code=303)
    problems, status_code = saved
    return editor.page(xml=built.xml, tab=editor.tab, problems=problems, status_code=status_code)


async def _console(editor: Editor, _arg: str) -> Response:
    editor.checked = True
    built = editor.build()
    if isinstance(built, Response):
        return built
    console = await _run_console(editor.request, editor.form, editor.template_id, built.xml)
    return editor.page(xml=built.xml, tab=editor.tab, problems=built.problems, console=console)


# Every button of the editor; an unknown action validates.
ACTIONS: dict[str, Action] = {
    "add": _add_row,
    "remove": _remove_row,
    "show_xml": _show_xml,
    "show_form": _show_form,
    "validate": _validate,
    "save": _save,
    "console": _console,
}


@router.post("/admin/templates/editor")
async def editor_action(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    try:
        editor = await Editor.read(request, form)
        name, _, arg = str(form.get("action") or "").partition(":")
        return await ACTIONS.get(name, _validate)(editor, arg)
    finally:
        await form.close()  # uploaded files are spooled to disk: release them now


# ---- saving through the API --------------------------------------------------------------


async def save_xml(
    request: Request, xml: str, *, template_id: str = ""
) -> str | tuple[list[Any], int]:
    """Save `xml` as template `template_id` (a new custom template when empty) through the
    REST API: the saved template's id, or (the problems, HTTP status) when it was refused."""
    headers = {"content-type": "application/xml"}
    try:
        if template_id:
            path = f"/templates/{template_id}/xml"
            response = await call_api(request, "PUT", path, content=xml, headers=headers)
        else:
            response = await call_api(request, "POST", "/templates", content=xml, headers=headers)
    except ApiUnavailable:
        message = "Saving is not available on this server (templates API missing)."
        return [ApiProblem({"message": message})], 503
    body = json_or_none(response)
    if response.is_success:
        new_id = body.get("id") if isinstance(body, dict) else None
        return str(new_id or template_id)
    listed = body.get("problems", []) if isinstance(body, dict) else []
    problems = [ApiProblem(p) for p in listed if isinstance(p, dict)]
    return problems or [ApiProblem({"message": error_text(response)})], 422


# ---- logo upload and test console --------------------------------------------------------


async def _logo_upload(form: FormData, raw: dict[str, Any]) -> str | None:
    """Embed an uploaded logo (G1) into the form data; returns an error message or None."""
    from ringdesk.templates.logo import LOGO_MAX_BYTES, check_logo

    upload = form.get("logo_file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        if form.get("logo_remove"):
            raw.setdefault("general", {})["logo"] = None
        return None
    data = await upload.read(LOGO_MAX_BYTES + 1)
    verdict = check_logo(data, size=upload.size)  # the real size in the message
    if not verdict.ok or verdict.content_type is None:
        return "; ".join(verdict.errors) or "the logo was refused"
    raw.setdefault("general", {})["logo"] = {
        "content_type": verdict.content_type,
        "data": base64.b64encode(data).decode(),
    }
    return None


def _sample_inputs(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            values[name.strip()] = value.strip()
    return values


async def _run_console(
    request: Request, form: FormData, template_id: str, xml: str
) -> dict[str, Any]:
    """Run one scenario through the test console API (I3); the page shows each exchange.

    With an integration chosen, its saved template and connection are used; otherwise the
    template as edited now, with the connect values typed into the console (never shown
    again on the page: they may be secrets, A9). Blank sample input runs the scenario's
    default sample.
    """
    scenario = str(form.get("console_scenario") or SCENARIOS[0])
    scenario = scenario if scenario in CONSOLE_SAMPLES else SCENARIOS[0]
    integration = str(form.get("console_integration") or "")
    inputs = str(form.get("console_inputs") or "").strip() or CONSOLE_SAMPLES[scenario]
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
    result["exchanges"] = [_exchange(e) for e in body.get("exchanges", []) if isinstance(e, dict)]
    found = body.get("result")
    result["result"] = json.dumps(found, indent=2, ensure_ascii=False) if found else ""
    return result


def _exchange(exchange: dict[str, Any]) -> dict[str, Any]:
    """Headers as `Name: value` lines, for the page."""
    for key in ("request_headers", "response_headers"):
        headers = exchange.get(key)
        if isinstance(headers, dict):
            exchange[key] = "\n".join(f"{k}: {v}" for k, v in headers.items())
        elif isinstance(headers, list):
            exchange[key] = "\n".join(
                f"{h[0]}: {h[1]}" if isinstance(h, list | tuple) and len(h) == 2 else str(h)
                for h in headers
            )
    return exchange
