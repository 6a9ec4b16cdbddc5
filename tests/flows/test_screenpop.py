"""Screen pop on ringing (C7–C9): local phonebook first, live search refresh, unmatched
callers, the stored match and the create-contact job, against the demo helpdesk over
real sockets."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

import ringdesk
from ringdesk.demo.app import DEFAULT_API_TOKEN, create_demo_app
from ringdesk.events.model import CallEvent
from ringdesk.flows import screenpop
from ringdesk.flows.contacts import Contact
from ringdesk.integrations.context import build_context
from ringdesk.retry import RetryPolicy
from ringdesk.store.phonebook import lookup, store_contacts
from ringdesk.store.tables import CallMatch, Integration, OutboxJob, TemplateRow
from ringdesk.templates import load_xml
from tests.fakedesk import make_state
from tests.live import serve_app

DEMO_XML = (Path(ringdesk.__file__).parent / "templates" / "builtin" / "demo.xml").read_text()


@pytest.fixture
def demo():
    with serve_app(create_demo_app()) as base:
        yield base


@pytest.fixture
def integration_id(database) -> int:
    with database.session() as session:
        session.add(TemplateRow(id="demo", name="Demo", xml=DEMO_XML))
        session.flush()
        row = Integration(template_id="demo", name="Demo desk", status="connected")
        session.add(row)
        session.flush()
        return row.id


def ctx_for(integration_id: int, base: str, **options):
    return build_context(
        integration_id=integration_id,
        name="Demo desk",
        template_id="demo",
        template=load_xml(DEMO_XML),
        fields={"base_url": base},
        secrets={"api_token": DEFAULT_API_TOKEN},
        persisted={},
        options={"default_region": "DE", **options},
        status="connected",
        public_url="http://ringdesk.test",
    )


def ringing(number: str, call_id: str = "c1", **extra) -> CallEvent:
    return CallEvent.model_validate(
        {
            "type": "call.ringing",
            "call_id": call_id,
            "from": {"number": number, "name": "Caller Name"},
            "to": {"number": "1001"},
            "extension": "1001",
            "timestamp": 1732521600,
            **extra,
        }
    )


async def _run(settings, database, ctx, event, *, retry=None):
    state = make_state(settings, database, retry=retry)
    sub = state.hub.subscribe("1001")
    try:
        last = await screenpop.pop_for_integration(state, ctx, event)
    finally:
        await state.aclose()
    pops = []
    while not sub.queue.empty():
        pops.append(sub.queue.get_nowait())
    return last, pops, state


async def test_known_caller_pops_with_contact_and_url(settings, database, integration_id, demo):
    """covers C9/C3: the agent's channel gets the contact's name and helpdesk URL; the match
    is stored and the phonebook refreshed."""
    ctx = ctx_for(integration_id, demo)
    _, pops, state = await _run(settings, database, ctx, ringing("+49 30 123456"))
    (pop,) = pops
    assert pop["matched"] is True
    assert (pop["source"], pop["number"], pop["call_id"]) == ("helpdesk", "+49 30 123456", "c1")
    assert pop["name"]
    assert pop["contact_type"] == "Contacts"
    assert pop["popup_url"] == f"{demo}/contacts/{pop['contact_id']}"
    assert pop["actions"] == []
    assert state.metrics.screen_pop_latency.collect()[0].samples  # observed
    with database.session() as session:
        match = session.scalar(select(CallMatch))
        assert (match.call_id, match.contact_id) == ("c1", pop["contact_id"])
        assert match.fields["FirstName"]
        (entry,) = lookup(session, "030123456", region="DE", integration_id=integration_id)
        assert entry.contact_id == pop["contact_id"]


async def test_number_found_in_a_later_form(settings, database, integration_id, demo):
    """covers C7: the helpdesk stores "030 9876543"; E.164 finds nothing, national does."""
    ctx = ctx_for(integration_id, demo)
    last, _, _ = await _run(settings, database, ctx, ringing("+49 30 9876543"))
    assert last["matched"] is True


async def test_unmatched_caller_pops_actions_and_leaves_creating_to_the_contact_job(
    settings, database, integration_id, demo
):
    """covers C9: an unknown caller pops "not found" with create-contact / new-ticket links;
    the pop queues nothing and stores no match (the call's durable contact job creates the
    contact, issue 12), however often the ringing is handled."""
    ctx = ctx_for(
        integration_id, demo, create_contact={"enabled": True, "contact_type": "Contacts"}
    )
    event = ringing("+49 40 5550000", call_id="c-unknown")
    _, pops, _ = await _run(settings, database, ctx, event)
    await _run(settings, database, ctx, event)
    (pop,) = pops
    assert pop["matched"] is False
    assert pop["name"] == "Caller Name"
    assert [a["action"] for a in pop["actions"]] == ["create-contact", "new-ticket"]
    assert all("phone=%2B49+40+5550000" in a["url"] for a in pop["actions"])
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxJob)) == 0
        assert session.scalar(select(func.count()).select_from(CallMatch)) == 0


async def test_unmatched_without_option_enqueues_nothing(settings, database, integration_id, demo):
    ctx = ctx_for(integration_id, demo, create_contact={"enabled": False})
    last, _, _ = await _run(settings, database, ctx, ringing("+49 40 5550000"))
    assert last["matched"] is False
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxJob)) == 0


def _remember(database, integration_id, contact_id="pb-1"):
    contact = Contact(
        "Contacts",
        contact_id,
        {
            "ContactId": contact_id,
            "FirstName": "Local",
            "LastName": "Copy",
            "BusinessNumber": "+4930123456",
        },
        popup_url="https://crm.example/pb",
    )
    with database.session() as session:
        store_contacts(session, integration_id, "Contacts", [contact], "DE", prune=False)


async def test_phonebook_pops_first_then_live_refreshes(settings, database, integration_id, demo):
    """covers C8/C9: a local hit pops at once; the live result follows and wins."""
    _remember(database, integration_id)
    ctx = ctx_for(integration_id, demo)
    _, pops, _ = await _run(settings, database, ctx, ringing("+4930123456"))
    assert [p["source"] for p in pops] == ["phonebook", "helpdesk"]
    assert pops[0]["name"] == "Local Copy"
    assert pops[1]["popup_url"].startswith(demo)


async def test_helpdesk_down_falls_back_to_phonebook(settings, database, integration_id, demo):
    """covers C8: with the helpdesk failing, the phonebook copy pops and is the match; no
    contact is created for a caller we merely could not look up."""
    _remember(database, integration_id)
    async with httpx.AsyncClient() as client:
        await client.post(f"{demo}/_demo/faults", json={"status": 503, "count": 100})
    ctx = ctx_for(integration_id, demo, create_contact={"enabled": True})
    no_retry = RetryPolicy(max_attempts=1)
    last, pops, _ = await _run(settings, database, ctx, ringing("+4930123456"), retry=no_retry)
    assert [p["source"] for p in pops] == ["phonebook"]
    assert last["contact_id"] == "pb-1"
    _, pops, _ = await _run(
        settings, database, ctx, ringing("+4940111", call_id="c2"), retry=no_retry
    )
    assert pops[0]["matched"] is False
    assert pops[0]["lookup_failed"] is True
    with database.session() as session:
        assert (
            session.scalar(select(CallMatch.contact_id).where(CallMatch.call_id == "c1")) == "pb-1"
        )
        assert session.scalar(select(func.count()).select_from(OutboxJob)) == 0


def test_pop_targets_include_agents_rung():
    event = ringing("+1", agents_rung=["1002", "1001", "1003"])
    assert screenpop.pop_targets(event) == ["1001", "1002", "1003"]


async def test_on_event_pops_every_connected_integration_and_sees_option_changes(
    settings, database, demo
):
    """covers C9 via `flows.intake.on_event`: connected integrations pop, others do not; an
    options change is used on the next call (the context cache follows the row)."""
    from ringdesk.flows.intake import on_event
    from ringdesk.integrations.service import create_integration

    state = make_state(settings, database)
    with database.session() as session:
        session.add(TemplateRow(id="demo", name="Demo", xml=DEMO_XML))
        session.flush()
        ids = []
        for name, status in (("On", "connected"), ("Off", "disconnected")):
            row = create_integration(
                session,
                state.crypto,
                template_id="demo",
                name=name,
                fields={"base_url": demo, "api_token": DEFAULT_API_TOKEN},
                options={"default_region": "DE", "create_contact": {"enabled": False}},
            )
            row.status = status
            ids.append(row.id)
    sub = state.hub.subscribe("1001")
    try:
        await on_event(state, ringing("+4940123", call_id="x1"))
        with database.session() as session:
            session.get(Integration, ids[0]).options = {
                "default_region": "DE",
                "popup_create_contact_url": "https://desk.example/new",
            }
        await on_event(state, ringing("+4940123", call_id="x2"))
    finally:
        await state.aclose()
    pops = []
    while not sub.queue.empty():
        pops.append(sub.queue.get_nowait())
    assert [(p["call_id"], p["integration"], p["matched"]) for p in pops] == [
        ("x1", "On", False),
        ("x2", "On", False),
    ]
    create = [a["url"] for p in pops for a in p["actions"] if a["action"] == "create-contact"]
    assert "/agent/create-contact?" in create[0]
    assert create[1] == "https://desk.example/new"


async def test_call_triggers_fire_follow_ups_with_the_match(settings, database):
    """covers F2, durably (issue 12): the ringing's contact job fires call_ringing with the
    matched contact's fields; call_answered is a job of its own; both reach the helpdesk
    through the outbox, so a crash cannot lose them."""
    from ringdesk.demo.store import DemoStore
    from ringdesk.flows.intake import store_event
    from ringdesk.integrations.service import create_integration
    from ringdesk.runtime import outbox_worker

    follow_ups = """
    <Request trigger="call_ringing" method="GET">
      <Url><![CDATA[{{.base_url}}/api/me?ringing={{.ContactId}}]]></Url>
    </Request>
    <Request trigger="call_answered" method="GET">
      <Url><![CDATA[{{.base_url}}/api/me?answered={{.Phone}}]]></Url>
    </Request>
  </FollowUpRequests>"""
    xml = DEMO_XML.replace("</FollowUpRequests>", follow_ups, 1)
    store = DemoStore()
    with serve_app(create_demo_app(store=store)) as base:
        state = make_state(settings, database)
        with database.session() as session:
            session.add(TemplateRow(id="demo", name="Demo", xml=xml))
            session.flush()
            row = create_integration(
                session,
                state.crypto,
                template_id="demo",
                name="On",
                fields={"base_url": base, "api_token": DEFAULT_API_TOKEN},
                options={"default_region": "DE"},
            )
            row.status = "connected"
        try:
            ring = ringing("+4930123456", call_id="f1")
            answered = ring.model_copy(update={"type": "call.answered"})
            now = state.clock.now()
            assert store_event(state, ring, source="test", now=now - 5)  # past the grace
            assert store_event(state, answered, source="test", now=now - 5)
            worker = outbox_worker(state)
            for _ in range(5):
                await worker.run_until_idle()
        finally:
            await state.aclose()
    paths = [entry["path"] for entry in store.snapshot()["log"]]
    with database.session() as session:
        contact_id = session.scalar(select(CallMatch.contact_id).where(CallMatch.call_id == "f1"))
        kinds = sorted(session.scalars(select(OutboxJob.kind)).all())
        statuses = set(session.scalars(select(OutboxJob.status)).all())
    assert contact_id
    assert f"/api/me?ringing={contact_id}" in paths
    assert "/api/me?answered=%2B4930123456" in paths
    assert kinds == ["contact", "follow_up"]
    assert statuses == {"done"}


async def test_cached_contexts_follow_template_and_status_changes_at_once(settings, database):
    """covers C9 (cached contexts stay correct): the pop's contexts are reused while nothing
    changes, rebuilt as soon as the integration row or its template row changes, and dropped
    when the integration is no longer connected."""
    from ringdesk.integrations.service import create_integration

    state = make_state(settings, database)
    with database.session() as session:
        session.add(TemplateRow(id="demo", name="Demo", xml=DEMO_XML))
        session.flush()
        row = create_integration(
            session,
            state.crypto,
            template_id="demo",
            name="Cached",
            fields={"base_url": "http://127.0.0.1:9", "api_token": DEFAULT_API_TOKEN},
            options={"default_region": "DE"},
        )
        row.status = "connected"
        integration_id = row.id
    try:
        (first,) = state.contexts.connected()
        (again,) = state.contexts.connected()
        assert again is first
        assert first.max_concurrent == 4

        with database.session() as session:
            template = session.get(TemplateRow, "demo")
            template.xml = template.xml.replace(
                "<MaxConcurrentRequests>4<", "<MaxConcurrentRequests>2<"
            )
        (edited,) = state.contexts.connected()
        assert edited.max_concurrent == 2

        with database.session() as session:
            session.get(Integration, integration_id).name = "Renamed"
        (renamed,) = state.contexts.connected()
        assert renamed.name == "Renamed"

        with database.session() as session:
            session.get(Integration, integration_id).status = "disconnected"
        assert state.contexts.connected() == []
        assert state.contexts.cached(integration_id) is None
    finally:
        await state.aclose()
