"""Call logs, tickets and created contacts delivered over real sockets to a helpdesk, from
events stored by the real intake, through the real executor (L1–L3, T1–T3, N1–N3, U6)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from ringdesk.api.app import create_app
from ringdesk.events.model import CallEvent
from ringdesk.flows.intake import store_event
from ringdesk.runtime import outbox_worker
from ringdesk.store.outbox import enqueue
from ringdesk.store.tables import CallMatch, HelpdeskUser, OutboxJob
from tests.live import serve_app
from tests.outbox.helpers import FakeHelpdesk, add_integration, template_xml
from tests.services import test_services

pytestmark = pytest.mark.e2e

CALLER = 'Zoë "Zed" O\'Brien-Åström'


@pytest.fixture
def helpdesk() -> Iterator[tuple[FakeHelpdesk, str]]:
    fake = FakeHelpdesk()
    with serve_app(fake.app) as url:
        yield fake, url


@pytest.fixture
async def ringdesk(settings):
    services = test_services(settings)
    yield services
    await services.aclose()


def setup(
    state,
    url,
    *,
    options=None,
    skip_unanswered=True,
    users=("1001", "1002", "1003"),
    search=True,
):
    integration = add_integration(
        state.database,
        xml=template_xml(url, skip_unanswered=skip_unanswered, search=search),
        options=options,
    )
    with state.database.session() as session:
        for ext in users:
            session.add(HelpdeskUser(integration_id=integration, user_id=f"u-{ext}", extension=ext))
    return integration


def event(**fields: Any) -> CallEvent:
    data: dict[str, Any] = {
        "type": "call.ended",
        "call_id": "1732521600.42",
        "direction": "inbound",
        "from": {"number": "+4930123456", "name": CALLER},
        "to": {"number": "1001", "name": "Front desk"},
        "extension": "1001",
        "timestamp": 1732521600,
        "status": "answered",
        "talk_seconds": 205,
        "ring_seconds": 12,
        "recording_url": "https://pbx.example.com/rec/42.wav",
    }
    data.update(fields)
    return CallEvent.model_validate(data)


async def deliver(state) -> None:
    await outbox_worker(state).run_until_idle()


async def drain(state, rounds: int = 20) -> None:
    """Deliver until nothing is pending, skipping backoff and deferral waits."""
    worker = outbox_worker(state)
    for _ in range(rounds):
        await worker.run_until_idle()
        with state.database.session() as session:
            waiting = list(session.scalars(select(OutboxJob).where(OutboxJob.status == "pending")))
            for job in waiting:
                job.next_attempt_at = 0
        if not waiting:
            return


def jobs(state, kind: str | None = None) -> list[OutboxJob]:
    with state.database.session() as session:
        query = select(OutboxJob).order_by(OutboxJob.id)
        if kind is not None:
            query = query.where(OutboxJob.kind == kind)
        return list(session.scalars(query))


async def test_ended_call_is_logged_once_with_a_correct_body(helpdesk, ringdesk):
    """covers L1, L3, U6: one log, rendered at delivery, valid JSON with quotes/non-ASCII."""
    fake, url = helpdesk
    options = {"ticket": {"enabled": False}, "create_contact": {"enabled": False}}
    integration = setup(ringdesk, url, options=options)
    assert store_event(ringdesk, event(), source="test")
    assert not store_event(ringdesk, event(), source="test")  # replay: nothing new
    await deliver(ringdesk)
    await deliver(ringdesk)
    (log,) = fake.records["calls"]
    assert log["key"] == f"call_log:{integration}:1732521600.42:u-1001"
    assert log["body"] == {
        "subject": "Inbound call +4930123456",
        "description": "Call: 2024-11-25 08:00:00 Answered from +4930123456 to 1001 00:03:25",
        "caller": CALLER,
        "from": "+4930123456",
        "owner": "u-1001",
        "status": "Answered",
        "talk": 205,
        "record": "https://pbx.example.com/rec/42.wav",
        "contact": "",
        "start": "2024-11-25T08:00:00+00:00",
    }
    (job,) = jobs(ringdesk, "call_log")
    assert (job.status, job.attempts, job.result["id"]) == ("done", 1, "calls-1")
    assert fake.duplicates == 0


async def test_options_override_the_template_and_use_the_time_zone(helpdesk, ringdesk):
    """covers L2: subject/description options and play-recording off; Time in the zone."""
    fake, url = helpdesk
    setup(
        ringdesk,
        url,
        options={
            "timezone": "Europe/Berlin",
            "call_log": {"subject": "{{.Call_Log_Status}} by {{.Owner}}", "play_recording": False},
            "ticket": {"enabled": False},
        },
    )
    store_event(ringdesk, event(), source="test")
    await deliver(ringdesk)
    (log,) = fake.records["calls"]
    assert log["body"]["subject"] == "Answered by u-1001"
    assert log["body"]["description"].startswith("Call: 2024-11-25 09:00:00 Answered")
    assert log["body"]["record"] == ""


QUEUE_CASES = [  # (answered_by, owners with skip on, owners with skip off)
    ("1002", ["u-1002"], ["u-1001", "u-1002", "u-1003"]),
    (None, [""], ["u-1001", "u-1002", "u-1003"]),
]


@pytest.mark.parametrize("skip", [True, False], ids=["skip-on", "skip-off"])
async def test_queue_calls_are_logged_for_the_right_agents(helpdesk, ringdesk, skip):
    """covers L2: with skip on only the answering agent (or the queue once, without an
    owner, when nobody answered) gets a log; with it off every agent rung does."""
    fake, url = helpdesk
    setup(ringdesk, url, skip_unanswered=skip, options={"ticket": {"enabled": False}})
    for n, (answered_by, *_) in enumerate(QUEUE_CASES):
        store_event(
            ringdesk,
            event(
                call_id=f"q{n}",
                extension="600",
                queue="support",
                agents_rung=["1001", "1002", "1003"],
                answered_by=answered_by,
                status="answered" if answered_by else "missed",
            ),
            source="test",
        )
    await deliver(ringdesk)
    for n, (answered_by, with_skip, without_skip) in enumerate(QUEUE_CASES):
        logs = [r for r in fake.records["calls"] if f":q{n}:" in r["key"]]
        assert sorted(r["body"]["owner"] for r in logs) == (with_skip if skip else without_skip)
        assert {r["body"]["status"] for r in logs} == {"Answered" if answered_by else "Missed"}


TICKET_CALLS = {  # call id → event fields
    "answered-in": {},
    "answered-out": {"direction": "outbound"},
    "missed-in": {"status": "no_answer", "talk_seconds": 0},
    "voicemail-in": {"status": "voicemail"},
    "unanswered-out": {"direction": "outbound", "status": "no_answer", "talk_seconds": 0},
}


@pytest.mark.parametrize(
    ("when", "ticketed"),
    [
        ("always", set(TICKET_CALLS)),
        ("missed", {"missed-in", "voicemail-in"}),
        ("inbound", {"answered-in", "missed-in", "voicemail-in"}),
    ],
    ids=["always", "missed", "inbound"],
)
async def test_ticket_rules(helpdesk, ringdesk, when, ticketed):
    """covers T1, T3: one ticket per call when the rule says so."""
    fake, url = helpdesk
    integration = setup(ringdesk, url, options={"ticket": {"when": when}})
    for call_id, fields in TICKET_CALLS.items():
        store_event(ringdesk, event(call_id=call_id, **fields), source="test")
        store_event(ringdesk, event(call_id=call_id, **fields), source="test")  # replayed
    await deliver(ringdesk)
    keys = {r["key"] for r in fake.records["tickets"]}
    assert keys == {f"ticket:{integration}:{call_id}" for call_id in ticketed}
    for ticket in fake.records["tickets"]:
        assert ticket["body"]["subject"].startswith(("Inbound ", "Outbound "))
        assert ticket["body"]["owner"] == "u-1001"


async def test_created_contact_is_used_by_the_call_log(helpdesk, ringdesk):
    """covers N1–N3: the contact body is valid JSON, the id is kept, the log links it."""
    fake, url = helpdesk
    integration = setup(ringdesk, url, options={"ticket": {"enabled": False}})
    with ringdesk.database.session() as session:
        for _ in range(2):  # the ringing flow may run twice: still one job (N3)
            enqueue(
                session,
                kind="create_contact",
                integration_id=integration,
                call_id="1732521600.42",
                idempotency_key=f"create_contact:{integration}:1732521600.42",
                payload={
                    "phone": "+4930123456",
                    "caller_name": CALLER,
                    "contact_type": "Contacts",
                    "call_id": "1732521600.42",
                },
                now=0,
            )
    store_event(ringdesk, event(), source="test")
    await drain(ringdesk)  # the call log waits for the contact being created
    (contact,) = fake.records["contacts"]
    assert contact["body"] == {
        "last_name": "O'Brien-Åström",
        "first_name": 'Zoë "Zed"',
        "phone": "+4930123456",
    }
    with ringdesk.database.session() as session:
        match = session.scalar(select(CallMatch))
        assert (match.contact_id, match.contact_type) == ("contacts-1", "Contacts")
    created = next(j for j in jobs(ringdesk) if j.kind == "create_contact")
    assert created.result["contact_id"] == "contacts-1"
    assert created.result["variables"] == {"CreatedId": "contacts-1"}
    (log,) = fake.records["calls"]
    assert log["body"]["contact"] == "contacts-1"


async def test_helpdesk_outage_is_retried_until_delivered(helpdesk, ringdesk):
    """covers L3: 503s (with Retry-After) are retried; the log arrives once."""
    fake, url = helpdesk
    setup(ringdesk, url, options={"ticket": {"enabled": False}})
    fake.fail_next = 2
    store_event(ringdesk, event(), source="test")
    await drain(ringdesk)
    assert jobs(ringdesk, "call_log")[0].status == "done"
    assert len(fake.records["calls"]) == 1
    assert fake.duplicates == 0


async def test_permanent_failure_is_visible_and_retried_by_hand(helpdesk, ringdesk, settings):
    """covers L3: a 4xx fails the job; the admin API lists it and retries it."""
    from fastapi.testclient import TestClient

    from ringdesk.store.admin import create_token

    fake, url = helpdesk
    setup(ringdesk, url, options={"ticket": {"enabled": False}})
    fake.app.router.routes.insert(0, _reject_route())
    store_event(ringdesk, event(), source="test")
    await drain(ringdesk)
    (job,) = jobs(ringdesk, "call_log")
    assert job.status == "failed"
    assert "422" in job.last_error
    fake.app.router.routes.pop(0)
    with ringdesk.database.session() as session:
        token = create_token(session, "t")
    with TestClient(create_app(services=test_services(settings))) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        listed = client.get("/api/v1/outbox", params={"status": "failed"}).json()
        assert [j["id"] for j in listed] == [job.id]
        assert "payload" not in listed[0]
        assert client.post(f"/api/v1/outbox/{job.id}/retry").json()["status"] == "pending"
        assert client.post(f"/api/v1/outbox/{job.id}/retry").status_code == 409
        assert client.post("/api/v1/outbox/999999/retry").status_code == 404
        assert client.get("/api/v1/outbox", headers={"Authorization": ""}).status_code == 401
    await deliver(ringdesk)
    assert len(fake.records["calls"]) == 1
    assert jobs(ringdesk, "call_log")[0].status == "done"


def _reject_route():
    from fastapi.routing import APIRoute
    from starlette.responses import JSONResponse

    async def reject() -> JSONResponse:
        return JSONResponse({"error": "bad"}, status_code=422)

    return APIRoute("/calls", reject, methods=["POST"])


def test_payload_is_json_ready():
    """Jobs carry the event in wire format (it survives a JSON round trip)."""
    data = event().as_payload()
    assert CallEvent.model_validate(json.loads(json.dumps(data))) == event()


async def test_demo_helpdesk_gets_the_contact_and_one_call_log(ringdesk):
    """covers N1–N3, L1, T1 with the built-in demo template and the demo helpdesk: the
    created contact carries the quoted non-ASCII name, log and ticket link it, once."""
    from ringdesk.demo.app import create_demo_app
    from ringdesk.demo.store import DemoStore
    from tests.e2e.test_delivery_kill import add_demo_integration

    store = DemoStore()
    with serve_app(create_demo_app(store=store)) as url:
        integration = add_demo_integration(ringdesk, url, ticket=True)
        unknown = "+4930999888"
        with ringdesk.database.session() as session:
            enqueue(
                session,
                kind="create_contact",
                integration_id=integration,
                call_id="d1",
                idempotency_key=f"create_contact:{integration}:d1",
                payload={"phone": unknown, "caller_name": CALLER, "call_id": "d1"},
                now=0,
            )
        call = event(call_id="d1", **{"from": {"number": unknown, "name": CALLER}})
        store_event(ringdesk, call, source="test")
        await drain(ringdesk)
        await drain(ringdesk)  # a replay of the whole run changes nothing
    snapshot = store.snapshot()
    (contact,) = [c for c in snapshot["records"]["contacts"] if c.get("call_id") == "d1"]
    assert (contact["first_name"], contact["last_name"]) == ('Zoë "Zed"', "O'Brien-Åström")
    assert contact["phone"] == unknown
    (log,) = snapshot["records"]["calls"]
    assert (log["call_id"], log["contact_id"], log["from"]) == ("d1", contact["id"], unknown)
    assert log["description"] == (
        f"Call: 2024-11-25 08:00:00 Answered from {unknown} to 1001 00:03:25"
    )
    (ticket,) = snapshot["records"]["tickets"]
    assert (ticket["contact_id"], ticket["name"]) == (contact["id"], CALLER)
    assert snapshot["duplicates"] == 0
    assert {j.status for j in jobs(ringdesk)} == {"done"}


def test_running_service_delivers_posted_events(helpdesk, settings):
    """The app's outbox service (lifespan) delivers a signed call event posted to
    /api/v1/events without any polling delay (woken on commit) — covers L3."""
    import time

    from fastapi.testclient import TestClient

    from ringdesk.testing import signed_headers

    fake, url = helpdesk
    live = settings.model_copy(update={"run_workers": True, "outbox_poll_seconds": 30.0})
    services = test_services(live)
    with TestClient(create_app(services=services)) as client:
        setup(services, url, options={"ticket": {"enabled": False}}, search=False)
        body = json.dumps(event(call_id="svc-1").as_payload()).encode()
        headers = signed_headers(body, settings.webhook_secret)
        response = client.post("/api/v1/events", content=body, headers=headers)
        assert response.status_code < 300, response.text
        deadline = time.monotonic() + 10
        while not fake.records["calls"] and time.monotonic() < deadline:
            time.sleep(0.02)
    assert [r["key"].split(":")[2] for r in fake.records["calls"]] == ["svc-1"]
