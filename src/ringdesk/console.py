"""Test console (I3): run one scenario of a template against the real helpdesk with sample
input, and return every request and response the executor made, secrets redacted.

Works for a saved integration (`load_context`) and for a template being edited before it
is saved (`console_context` builds the context from the XML and the typed connect values).
Nothing is written to the database: user sync and contact search only fetch and map.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ringdesk.errors import PeerError, RingdeskError
from ringdesk.events.model import CallEvent
from ringdesk.expressions import ExpressionError, gjson, gotemplate
from ringdesk.flows.contacts import render_url, search_contacts
from ringdesk.flows.numbers import normalise, region_from_options
from ringdesk.flows.users import fetch_users
from ringdesk.templates.model import RequestSpec, Template

__all__ = [
    "SCENARIOS",
    "ConsoleRun",
    "console_context",
    "format_run",
    "run_scenario",
    "run_template_text",
]

SCENARIOS = ("contact-search", "users", "create-contact", "call-log", "ticket")
_MAX_SAMPLE = 2000


@dataclass
class ConsoleRun:
    """The outcome of one console run: the exchanges in order, and what the scenario found."""

    scenario: str
    ok: bool = True
    error: str = ""
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "ok": self.ok,
            "error": self.error,
            "exchanges": self.exchanges,
            "result": self.result,
        }


def console_context(
    template: Template,
    fields: Mapping[str, Any],
    *,
    public_url: str,
    template_id: str = "console",
    options: Mapping[str, Any] | None = None,
) -> Any:
    """An integration context for an unsaved template: `fields` are the connect values
    (password fields and token-like names are treated as secrets, so they are redacted)."""
    from ringdesk.integrations.context import build_context, is_secret_name

    secret_names = template.secret_field_names()
    plain: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for name, value in fields.items():
        text = "" if value is None else str(value)[:_MAX_SAMPLE]
        (secrets if name in secret_names or is_secret_name(name) else plain)[name] = text
    return build_context(
        integration_id=0,
        name=template.general.name or template_id,
        template_id=template_id,
        template=template,
        fields=plain,
        secrets=secrets,
        persisted={},
        options=dict(options or {}),
        status="console",
        public_url=public_url,
    )


def _exchange_dict(exchange: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(exchange) and not isinstance(exchange, type):
        data = dataclasses.asdict(exchange)
    else:
        names = [
            "method",
            "url",
            "request_headers",
            "request_body",
            "status",
            "response_headers",
            "response_body",
            "duration_ms",
            "error",
        ]
        data = {name: getattr(exchange, name, None) for name in names}
    for key, value in list(data.items()):
        if isinstance(value, bytes):
            data[key] = value.decode("utf-8", "replace")
        elif isinstance(value, Mapping):
            data[key] = dict(value)
    return data


def _redact(text: str, secrets: frozenset[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


async def run_scenario(
    state: Any, ctx: Any, scenario: str, sample: Mapping[str, Any] | None = None
) -> ConsoleRun:
    """Run `scenario` (one of SCENARIOS) for `ctx` with `sample` input (`phone`, `name`,
    `first_name`, `last_name`, `direction`, `status`, `talk_seconds`, `extension`...).
    Errors are reported in the run, never raised; raises ValueError for an unknown scenario."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}")
    sample = {str(k): "" if v is None else str(v)[:_MAX_SAMPLE] for k, v in (sample or {}).items()}
    run = ConsoleRun(scenario=scenario)
    capture: list[Any] = []
    try:
        run.result = await _RUNNERS[scenario](state, ctx, sample, capture)
    except (PeerError, RingdeskError, ExpressionError, LookupError, ValueError) as exc:
        run.ok = False
        run.error = _redact(f"{type(exc).__name__}: {exc}", ctx.secret_values)
    run.exchanges = [_exchange_dict(e) for e in capture]
    return run


async def _contact_search(
    state: Any, ctx: Any, sample: dict[str, str], capture: list[Any]
) -> dict[str, Any]:
    phone = sample.get("phone", "")
    if not phone:
        raise ValueError("sample.phone is required for contact-search")
    types = [sample["contact_type"]] if sample.get("contact_type") else None
    contacts = await search_contacts(state, ctx, phone, contact_types=types, capture=capture)
    return {"contacts": [c.as_dict() for c in contacts]}


async def _users(
    state: Any, ctx: Any, sample: dict[str, str], capture: list[Any]
) -> dict[str, Any]:
    if ctx.template.user_association is None:
        raise ValueError("the template has no UserAssociation section")
    fetched = await fetch_users(state, ctx, capture=capture)
    return {
        "requests": fetched.requests,
        "capped": fetched.capped,
        "stop_reason": fetched.stop_reason,
        "users": [dataclasses.asdict(u) for u in fetched.users],
    }


async def _send(
    state: Any,
    ctx: Any,
    scenario: str,
    spec: RequestSpec,
    data: Mapping[str, str],
    capture: list[Any],
) -> Any:
    url = render_url(spec.url, data)
    body = gotemplate.render(spec.body, data, escape="json") if spec.body else None
    return await state.executor.request(
        ctx, scenario=scenario, method=spec.method.upper(), url=url, body=body, capture=capture
    )


async def _create_contact(
    state: Any, ctx: Any, sample: dict[str, str], capture: list[Any]
) -> dict[str, Any]:
    section = ctx.template.create_contact
    if section is None or not section.contact_types:
        raise ValueError("the template has no CreateContact section")
    wanted = sample.get("contact_type") or (ctx.options.get("create_contact") or {}).get(
        "contact_type"
    )
    kind = next((t for t in section.contact_types if t.name == wanted), section.contact_types[0])
    phone = sample.get("phone", "")
    number = normalise(phone, region_from_options(ctx.options))
    first, _, last = sample.get("name", "").partition(" ")
    data = {
        **ctx.variables,
        "Phone": phone,
        "BusinessNumber": number.e164 or phone,
        "FirstName": sample.get("first_name", first) or phone,
        "LastName": sample.get("last_name", last) or phone,
        "CallId": sample.get("call_id", "console-test"),
    }
    for extra in kind.extra_variables:
        if extra.source != "response":
            data[extra.name] = gotemplate.render(extra.value, data)
    response = await _send(state, ctx, "create_contact", kind.request, data, capture)
    captured = {}
    for extra in kind.extra_variables:
        if extra.source == "response" and extra.path:
            captured[extra.name] = gjson.get(response.content, extra.path).text
    return {"contact_type": kind.name, "status": response.status, "variables": captured}


def _sample_event(sample: dict[str, str]) -> CallEvent:
    direction = sample.get("direction", "inbound")
    phone = sample.get("phone", "")
    extension = sample.get("extension", "1001")
    ours = {"number": extension, "name": sample.get("extension_name", "")}
    theirs = {"number": phone, "name": sample.get("name", "")}
    payload: dict[str, Any] = {
        "type": "call.ended",
        "call_id": sample.get("call_id", "console-test"),
        "direction": direction,
        "from": ours if direction == "outbound" else theirs,
        "to": theirs if direction == "outbound" else ours,
        "extension": extension,
        "timestamp": int(sample.get("timestamp") or time.time()),
        "status": sample.get("status", "answered"),
        "talk_seconds": int(sample.get("talk_seconds") or 65),
        "ring_seconds": int(sample.get("ring_seconds") or 5),
        "recording_url": sample.get("recording_url") or None,
    }
    return CallEvent.model_validate(payload)


async def _call_work(
    state: Any, ctx: Any, sample: dict[str, str], capture: list[Any], section_name: str
) -> dict[str, Any]:
    from ringdesk.flows.variables import ContactRef, call_variables

    section = getattr(ctx.template, section_name)
    if section is None or not section.request.url:
        raise ValueError(f"the template has no {section_name} request")
    options = ctx.options.get(section_name) or {}
    if not isinstance(options, Mapping):
        options = {}
    options = {
        "subject": options.get("subject", section.options.subject.default),
        "description": options.get("description", section.options.description.default),
        **{k: v for k, v in options.items() if k not in ("subject", "description")},
    }
    event = _sample_event(sample)
    contact = ContactRef(
        contact_type=sample.get("contact_type", ""),
        id=sample.get("contact_id", ""),
        name=sample.get("name", ""),
        number=sample.get("phone", ""),
    )
    variables = call_variables(
        event,
        tz=str(ctx.options.get("timezone") or "UTC"),
        contact=contact,
        owner=sample.get("owner", ""),
        options=options,
    )
    scenario = "call_log" if section_name == "call_log" else "ticket"
    response = await _send(
        state, ctx, scenario, section.request, {**ctx.variables, **variables}, capture
    )
    return {"status": response.status, "variables": variables}


async def _call_log(
    state: Any, ctx: Any, sample: dict[str, str], capture: list[Any]
) -> dict[str, Any]:
    return await _call_work(state, ctx, sample, capture, "call_log")


async def _ticket(
    state: Any, ctx: Any, sample: dict[str, str], capture: list[Any]
) -> dict[str, Any]:
    return await _call_work(state, ctx, sample, capture, "ticket")


_RUNNERS = {
    "contact-search": _contact_search,
    "users": _users,
    "create-contact": _create_contact,
    "call-log": _call_log,
    "ticket": _ticket,
}


async def run_template_text(
    xml: str | bytes,
    scenario: str,
    *,
    fields: Mapping[str, str],
    sample: Mapping[str, str],
    settings: Any,
) -> ConsoleRun:
    """The `ringdesk template run` engine: parse `xml`, build a standalone executor on the
    configured database (for the request log and the concurrency cap), run `scenario`."""
    from types import SimpleNamespace

    from ringdesk.http.client import Executor
    from ringdesk.store.db import Database
    from ringdesk.store.migrate import upgrade
    from ringdesk.templates import load_xml

    template = load_xml(xml)
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    state = SimpleNamespace(settings=settings, db=database)
    state.executor = Executor(settings, database, state=state)
    try:
        ctx = console_context(template, fields, public_url=settings.public_url)
        return await run_scenario(state, ctx, scenario, sample)
    finally:
        await state.executor.aclose()
        database.dispose()


def format_run(run: ConsoleRun) -> str:
    """Human-readable text of a run: each exchange (already redacted), then the result."""
    import json

    lines: list[str] = []
    for number, exchange in enumerate(run.exchanges, 1):
        status = exchange.get("status") or exchange.get("error") or "no response"
        lines.append(f"--- request {number}: {exchange.get('method')} {exchange.get('url')}")
        for name, value in (exchange.get("request_headers") or {}).items():
            lines.append(f"{name}: {value}")
        if exchange.get("request_body"):
            lines.append("")
            lines.append(str(exchange["request_body"]))
        lines.append(f"--- response {number}: {status} ({exchange.get('duration_ms')} ms)")
        if exchange.get("response_body"):
            lines.append(str(exchange["response_body"]))
    lines.append(f"=== {run.scenario}: {'ok' if run.ok else 'FAILED'}")
    if run.error:
        lines.append(run.error)
    lines.append(json.dumps(run.result, indent=2, ensure_ascii=False))
    return "\n".join(lines)
