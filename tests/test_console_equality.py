"""The test console shows byte for byte what production sends (I3): for every scenario of
every built-in template, the console's requests equal those the production path makes for
the same call — the screen pop's contact search, user sync, and the outbox's real
create-contact, call-log and ticket handlers fed by the real enqueue path and prefetch.

Requests are captured at the transport (httpx.MockTransport under the real executor): the
templates name hosts such as `acme.zendesk.com` that no test can reach, and what matters
here is what leaves ringdesk, not what a helpdesk answers.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from ringdesk.console import run_scenario
from ringdesk.events.model import CallEvent
from ringdesk.flows.intake import store_event
from ringdesk.flows.jobs import job_kinds
from ringdesk.flows.screenpop import pop_for_integration
from ringdesk.flows.users import sync_users
from ringdesk.integrations.service import create_integration
from ringdesk.outbox.worker import _prefetch
from ringdesk.store import calls, outbox
from ringdesk.store.tables import HelpdeskUser
from ringdesk.store.templates import get_template, seed_builtin
from ringdesk.templates import load_xml
from ringdesk.templates.library import builtin_ids, builtin_xml
from ringdesk.templates.model import Template
from tests.services import test_services

CALLER = "+4930123456"
SAMPLE = {
    "phone": CALLER,
    "name": 'Zoë "Zed" Ölund',
    "extension": "1001",
    "extension_name": "Front desk",
    "owner": "u-1001",
    "contact_id": "c-77",
    "call_id": "eq-1",
    "timestamp": "1732521600",
    "status": "answered",
    "talk_seconds": "65",
    "ring_seconds": "5",
    "recording_url": "https://pbx.example.com/rec/1.wav",
}


def _sections(template: Template) -> list[str]:
    present = {
        "contact-search": bool(template.contact_search.contact_types),
        "users": template.user_association is not None,
        "create-contact": template.create_contact is not None,
        "call-log": template.call_log is not None,
        "ticket": template.ticket is not None,
    }
    return [name for name, there in present.items() if there]


CASES = [
    pytest.param(template_id, scenario, id=f"{template_id}-{scenario}")
    for template_id, xml in builtin_xml().items()
    for scenario in _sections(load_xml(xml))
]


class Recorder:
    """Answers every request with an empty JSON page and keeps what was sent."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.seen.append((request.method, str(request.url), headers, request.content))
        # The ids the built-ins read from a create: `id`, and JSM's `issueKey` (its call log
        # comments on the request it raised).
        return httpx.Response(
            201, json={"data": [], "users": [], "id": "new-1", "issueKey": "KEY-1"}
        )

    def take(self) -> list[tuple[str, str, dict[str, str], bytes]]:
        seen, self.seen = self.seen, []
        return seen


def _field_values(template: Template) -> dict[str, str]:
    values = {}
    for field in template.authentication.fields:
        if field.type == "url":
            values[field.name] = "http://helpdesk.test"
        elif field.type == "select" and field.option_list:
            values[field.name] = field.option_list[0]
        else:
            values[field.name] = f"{field.name}-value"
    return values


def _ended() -> CallEvent:
    return CallEvent.model_validate(
        {
            "type": "call.ended",
            "call_id": SAMPLE["call_id"],
            "direction": "inbound",
            "from": {"number": CALLER, "name": SAMPLE["name"]},
            "to": {"number": "1001", "name": SAMPLE["extension_name"]},
            "extension": "1001",
            "timestamp": int(SAMPLE["timestamp"]),
            "status": "answered",
            "talk_seconds": 65,
            "ring_seconds": 5,
            "recording_url": SAMPLE["recording_url"],
        }
    )


def _setup(services: Any, template_id: str) -> int:
    """The built-in template, connected, with extension 1001 tied to helpdesk user u-1001,
    every option that sends something turned on."""
    with services.database.session() as session:
        seed_builtin(session)
        template = get_template(session, template_id)
        create_types = template.create_contact.contact_types if template.create_contact else ()
        options: dict[str, Any] = {"ticket": {"enabled": True, "when": "always"}}
        if create_types:
            options["create_contact"] = {"enabled": True, "contact_type": create_types[0].name}
        row = create_integration(
            session,
            services.crypto,
            template_id=template_id,
            name="Equal",
            fields=_field_values(template),
            options=options,
        )
        row.status = "connected"
        # What the `connected` follow-ups would have captured (a cloud id, a group id…).
        row.variables = {
            name: f"{name}-value"
            for spec in template.follow_up_requests
            if spec.trigger == "connected"
            for name in spec.variable_list
        }
        if template.authentication.method == "oauth2":
            secrets = services.crypto.decrypt(row.secrets)
            secrets.update(AccessToken="at-1", RefreshToken="rt-1")
            row.secrets = services.crypto.encrypt(secrets)
            row.token_expires_at = time.time() + 86400
            row.token_refreshed_at = time.time()
        session.add(HelpdeskUser(integration_id=row.id, user_id="u-1001", extension="1001"))
        session.flush()
        integration_id = row.id
    with services.database.session() as session:
        from ringdesk.store.users import upsert_extension

        upsert_extension(session, "1001", name=SAMPLE["extension_name"], email="")
    return integration_id


async def _production(services: Any, ctx: Any, scenario: str) -> None:
    """What the running service does for the same call."""
    if scenario == "contact-search":
        ringing = _ended().model_copy(update={"type": "call.ringing"})
        # Only the search is compared: take the pop's requests before any follow-up.
        await pop_for_integration(services, ctx, ringing)
        return
    if scenario == "users":
        await sync_users(services, ctx)
        return
    if scenario == "create-contact":
        ringing = _ended().model_copy(update={"type": "call.ringing"})
        from ringdesk.flows.createcontact import enqueue_create_contact

        with services.database.session() as session:
            enqueue_create_contact(
                session,
                ringing,
                ctx.integration_id,
                CALLER,
                ctx.options.create_contact.contact_type,
                now=0,
            )
    else:
        with services.database.session() as session:
            # The ringing flow's match, as the screen pop stores it.
            calls.save_match(
                session,
                ctx.integration_id,
                SAMPLE["call_id"],
                contact_type=ctx.template.contact_search.contact_types[0].name
                if ctx.template.contact_search.contact_types
                else "",
                contact_id=SAMPLE["contact_id"],
                fields={"FirstName": "Zoë", "LastName": '"Zed" Ölund', "BusinessNumber": CALLER},
                popup_url="",
            )
        assert store_event(services, _ended(), source="test", now=0)
    kind = {"create-contact": "create_contact", "call-log": "call_log", "ticket": "ticket"}[
        scenario
    ]
    kinds = job_kinds(services)
    with services.database.session() as session:
        claimed = outbox.claim(session, worker_id="eq", now=1.0, lease=60, limit=10)
        claimed = _prefetch(session, kinds, claimed)
    (job,) = [j for j in claimed if j.kind == kind]
    await kinds[kind].deliver(job)  # the real handler; its after-delivery work is not run


def _body(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("template_id", "scenario"), CASES)
async def test_console_sends_what_production_sends(settings, template_id, scenario):
    recorder = Recorder()
    services = test_services(settings, transport=httpx.MockTransport(recorder))
    integration_id = _setup(services, template_id)
    ctx = await services.contexts.load(integration_id)
    types = ctx.template.contact_search.contact_types
    sample = {**SAMPLE, "contact_type": types[0].name if types else ""}
    run = await run_scenario(services, ctx, scenario, sample)
    assert run.ok, run.error
    console = recorder.take()
    await _production(services, ctx, scenario)
    production = recorder.take()
    await services.aclose()
    if scenario == "contact-search":
        production = production[: len(console)]  # the pop's follow-ups come after
    assert console, "the console sent nothing"
    assert [(m, u, h) for m, u, h, _ in console] == [(m, u, h) for m, u, h, _ in production]
    assert [_body(c) for *_, c in console] == [_body(c) for *_, c in production]
    assert [c for *_, c in console] == [c for *_, c in production]  # byte for byte


def test_every_builtin_is_covered():
    assert {case.values[0] for case in CASES} == set(builtin_ids())
