"""Test console (I3): run one scenario of a template against the real helpdesk with sample
input, and return every request and response the executor made, secrets redacted.

The console runs the real flows and outbox handlers (contact search, user sync, and the
create-contact, call-log and ticket deliverers with a job built from the sample by the same
builders the outbox uses), so it shows byte for byte what production sends. It works for a
saved integration and for a template being edited before it is saved (`console_context`
builds the context from the XML and the typed connect values). Nothing is stored: user sync
and contact search only fetch and map, and a created contact is not kept as a call's match.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ringdesk.config import Settings
from ringdesk.errors import HelpdeskError, InputError, RingdeskError
from ringdesk.events.model import CallEvent
from ringdesk.expressions import ExpressionError
from ringdesk.flows import calllog, createcontact, tickets
from ringdesk.flows.contacts import search_contacts
from ringdesk.flows.users import fetch_users
from ringdesk.flows.variables import ContactRef, call_variables
from ringdesk.http.client import Exchange
from ringdesk.integrations.context import IntegrationContext, build_context, is_secret_name
from ringdesk.outbox.jobs import ClaimedJob
from ringdesk.services import Services
from ringdesk.templates.model import Template

__all__ = [
    "SCENARIOS",
    "ConsoleRun",
    "console_context",
    "format_run",
    "run_scenario",
    "run_template_text",
    "sample_event",
]

SCENARIOS = ("contact-search", "users", "create-contact", "call-log", "ticket")
_MAX_SAMPLE = 2000

Sample = dict[str, str]
Runner = Callable[[Services, IntegrationContext, Sample, list[Exchange]], Awaitable[dict[str, Any]]]


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
) -> IntegrationContext:
    """An integration context for an unsaved template: `fields` are the connect values
    (password fields and token-like names are treated as secrets, so they are redacted)."""
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


async def run_scenario(
    services: Services,
    ctx: IntegrationContext,
    scenario: str,
    sample: Mapping[str, Any] | None = None,
) -> ConsoleRun:
    """Run `scenario` (one of SCENARIOS) for `ctx` with `sample` input (`phone`, `name`,
    `direction`, `status`, `talk_seconds`, `extension`, `owner`, `contact_id`...).
    Errors are reported in the run, never raised; raises InputError for an unknown
    scenario."""
    runner = _RUNNERS.get(scenario)
    if runner is None:
        expected = ", ".join(SCENARIOS)
        raise InputError([("scenario", f"unknown scenario {scenario!r}; expected {expected}")])
    sample = {str(k): "" if v is None else str(v)[:_MAX_SAMPLE] for k, v in (sample or {}).items()}
    run = ConsoleRun(scenario=scenario)
    capture: list[Exchange] = []
    try:
        run.result = await runner(services, ctx, sample, capture)
    except (HelpdeskError, RingdeskError, ExpressionError, LookupError, ValueError) as exc:
        run.ok = False
        run.error = ctx.redactor.text(f"{type(exc).__name__}: {exc}")
    run.exchanges = [dataclasses.asdict(e) for e in capture]
    return run


def sample_event(sample: Mapping[str, str]) -> CallEvent:
    """The `call.ended` event a console sample stands for."""
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


async def _contact_search(
    services: Services, ctx: IntegrationContext, sample: Sample, capture: list[Exchange]
) -> dict[str, Any]:
    phone = sample.get("phone", "")
    if not phone:
        raise InputError([("sample.phone", "a phone number to search for is required")])
    types = [sample["contact_type"]] if sample.get("contact_type") else None
    known = [t.name for t in ctx.template.contact_search.contact_types]
    if types and types[0] not in known:
        message = f"no contact type {types[0]!r}; the template has {', '.join(known) or 'none'}"
        raise InputError([("sample.contact_type", message)])
    contacts = await search_contacts(services, ctx, phone, contact_types=types, capture=capture)
    return {"contacts": [c.as_dict() for c in contacts]}


async def _users(
    services: Services, ctx: IntegrationContext, sample: Sample, capture: list[Exchange]
) -> dict[str, Any]:
    if ctx.template.user_association is None:
        raise InputError([("scenario", "the template has no UserAssociation section")])
    fetched = await fetch_users(services, ctx, capture=capture)
    return {
        "requests": fetched.requests,
        "capped": fetched.capped,
        "stop_reason": fetched.stop_reason,
        "users": [dataclasses.asdict(u) for u in fetched.users],
    }


def _job(
    ctx: IntegrationContext,
    kind: str,
    key: str,
    event: CallEvent,
    payload: dict[str, Any],
    prefetched: Any,
) -> ClaimedJob:
    """The job the outbox would hold for this sample (never stored)."""
    return ClaimedJob(
        id=0,
        kind=kind,
        integration_id=ctx.integration_id,
        call_id=event.call_id,
        idempotency_key=key,
        payload=payload,
        attempts=1,
        prefetched=prefetched,
    )


async def _create_contact(
    services: Services, ctx: IntegrationContext, sample: Sample, capture: list[Exchange]
) -> dict[str, Any]:
    section = ctx.template.create_contact
    if section is None or not section.contact_types:
        raise InputError([("scenario", "the template has no CreateContact section")])
    event = sample_event(sample)
    phone = sample.get("phone", "") or event.external_number()
    payload = createcontact.create_contact_payload(
        event, phone, sample.get("contact_type") or ctx.options.create_contact.contact_type
    )
    key = createcontact.create_contact_key(ctx.integration_id, event.call_id)
    delivered = await createcontact.deliver(
        services,
        ctx,
        _job(ctx, "create_contact", key, event, payload, None),
        capture=capture,
        store_match=False,
    )
    return delivered.result


def _sample_contact(sample: Sample) -> ContactRef | None:
    if not sample.get("contact_id"):
        return None  # as in production: the contact is then searched live
    return ContactRef(
        contact_type=sample.get("contact_type", ""),
        id=sample["contact_id"],
        name=sample.get("name", ""),
        number=sample.get("phone", ""),
    )


async def _call_log(
    services: Services, ctx: IntegrationContext, sample: Sample, capture: list[Exchange]
) -> dict[str, Any]:
    event = sample_event(sample)
    extension = event.extension
    owner = sample.get("owner", "")
    payload = calllog.call_log_payload(
        event, extension=extension, owner=owner, extension_name=sample.get("extension_name", "")
    )
    key = calllog.call_log_key(ctx.integration_id, event.call_id, owner, extension)
    job = _job(ctx, "call_log", key, event, payload, (_sample_contact(sample), ""))
    delivered = await calllog.deliver(services, ctx, job, capture=capture)
    return {**delivered.result, "variables": _variables_of(ctx, job, "call_log")}


async def _ticket(
    services: Services, ctx: IntegrationContext, sample: Sample, capture: list[Exchange]
) -> dict[str, Any]:
    event = sample_event(sample)
    payload = calllog.call_log_payload(
        event,
        extension=event.answered_by or event.extension,
        owner=sample.get("owner", ""),
        extension_name=sample.get("extension_name", ""),
    )
    key = tickets.ticket_key(ctx.integration_id, event.call_id)
    job = _job(ctx, "ticket", key, event, payload, (_sample_contact(sample), ""))
    delivered = await tickets.deliver(services, ctx, job, capture=capture)
    return {**delivered.result, "variables": _variables_of(ctx, job, "ticket")}


def _variables_of(ctx: IntegrationContext, job: ClaimedJob, section: str) -> dict[str, str]:
    """The call variables the delivery rendered its request with (the sample call's), so an
    author sees what `{{.Time}}` or `{{.Call_Status}}` give. Connect values are left out."""
    contact, _status = job.prefetched
    event = CallEvent.model_validate(job.payload["event"])
    return call_variables(
        event,
        tz=ctx.tz,
        contact=contact,
        owner=str(job.payload.get("owner", "")),
        options=ctx.options.call_log if section == "call_log" else ctx.options.ticket,
        extension=str(job.payload.get("extension", event.extension)),
        extension_name=str(job.payload.get("extension_name", "")),
    )


_RUNNERS: dict[str, Runner] = {
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
    settings: Settings,
) -> ConsoleRun:
    """The `ringdesk template run` engine: parse `xml`, build the services on the configured
    database (for the request log and the concurrency cap), run `scenario`."""
    from ringdesk.runtime import start_services
    from ringdesk.store.migrate import upgrade
    from ringdesk.templates import load_xml

    template = load_xml(xml)
    upgrade(settings.database_url)
    services = start_services(settings)
    try:
        ctx = console_context(template, fields, public_url=settings.public_url)
        return await run_scenario(services, ctx, scenario, sample)
    finally:
        await services.aclose()


def format_run(run: ConsoleRun) -> str:
    """Human-readable text of a run: each exchange (already redacted), then the result."""
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
