"""events.intake: store first (deduplicated), then live work; and the AMI background
service feeding it (I2)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from ringdesk.events.ami import ami_service
from ringdesk.events.webhook import parse_event
from ringdesk.flows import intake
from ringdesk.store.tables import CallEventRow, Integration, OutboxJob, TemplateRow
from ringdesk.testing import FakeAMIServer, ami_call_script, call_event
from tests.outbox.helpers import add_integration, template_xml
from tests.services import test_services


def _rows(database):
    with database.session() as session:
        return list(session.scalars(select(CallEventRow).order_by(CallEventRow.id)))


async def test_accept_stores_once_and_marks_processed(settings, database):
    """accept() stores the event, refuses the duplicate, and marks it processed after the
    live work ran (covers I2)."""
    services = test_services(settings)
    event = parse_event(call_event("call.answered", "i-1"))
    assert await intake.accept(services, event, source="test") is True
    assert await intake.accept(services, event, source="test") is False
    await services.aclose()  # waits for the live work
    (row,) = _rows(database)
    assert (row.call_id, row.type, row.source) == ("i-1", "call.answered", "test")
    assert row.processed_at is not None


def _ended(call_id: str):
    return parse_event(call_event("call.ended", call_id, status="missed", talk_seconds=0))


async def test_events_that_arrive_together_share_a_transaction(settings, database):
    """Group commit (issue 12, item 6): 24 events accepted at once are stored in far fewer
    transactions than 24, and every one is stored with its call log and ticket (L3)."""
    services = test_services(settings)
    add_integration(
        database,
        xml=template_xml("http://127.0.0.1:9", search=False),
        options={"ticket": {"enabled": True, "when": "always"}},
    )
    commits: list[int] = []
    sa_event.listen(services.database.engine, "commit", lambda _conn: commits.append(1))
    results = await asyncio.gather(
        *(intake.accept(services, _ended(f"g-{n}"), source="test") for n in range(24))
    )
    await services.aclose()
    assert results == [True] * 24
    assert len(commits) <= 12, f"{len(commits)} transactions for 24 events"
    with database.session() as session:
        jobs = list(session.scalars(select(OutboxJob.kind).where(OutboxJob.call_id.like("g-%"))))
    assert jobs.count("call_log") == 24
    assert jobs.count("ticket") == 24
    assert len(_rows(database)) == 24


async def test_the_same_event_twice_in_one_batch_is_stored_once(settings, database):
    """A resend that lands in the same batch as the original is a duplicate (I2)."""
    services = test_services(settings)
    event = _ended("dup-1")
    assert intake.store_events(services, [(event, "test"), (event, "test")]) == [True, False]
    assert len(_rows(database)) == 1


@pytest.mark.parametrize(
    ("type_", "processed_when_stored"),
    [("call.ringing", False), ("call.answered", True), ("call.ended", True)],
    ids=["ringing-waits-for-live-work", "answered", "ended"],
)
async def test_only_ringing_waits_for_live_work(settings, database, type_, processed_when_stored):
    """Events without live work are stored as processed: no second transaction each."""
    services = test_services(settings)
    assert intake.store_event(services, parse_event(call_event(type_, "p-1")), source="test")
    (row,) = _rows(database)
    assert (row.processed_at is not None) is processed_when_stored


async def test_ami_service_feeds_intake(settings, database):
    """With ami_url set, the background service stores the AMI call's three events."""
    services = test_services(settings)

    async def sink(event):
        await intake.accept(services, event, source="ami")

    async with FakeAMIServer(ami_call_script("300.1")) as server:
        async with ami_service(server.url, sink):
            for _ in range(500):
                if len(_rows(database)) == 3:
                    break
                await asyncio.sleep(0.02)
        await services.aclose()
    rows = _rows(database)
    assert [(r.type, r.source) for r in rows] == [
        ("call.ringing", "ami"),
        ("call.answered", "ami"),
        ("call.ended", "ami"),
    ]
    assert rows[-1].payload["status"] == "answered"


async def test_ami_service_is_off_without_url():
    """Without ami_url the service starts and stops without connecting anywhere."""

    async def sink(event):
        raise AssertionError("no event expected")

    async with ami_service(None, sink):
        pass


def test_delivery_targets_follow_changed_options_and_templates(database):
    """The targets read for each batch of events are reused only while the integration's
    options and template are unchanged (issue 12, item 6): a change applies to the next
    event, never to a stale copy."""
    integration_id = add_integration(
        database, xml=template_xml("http://127.0.0.1:9", search=False), options={}
    )
    with database.session() as session:
        (first,) = intake.delivery_targets(session)
        (again,) = intake.delivery_targets(session)
    assert again is first  # nothing changed: the same Target
    assert first.options.call_log.enabled

    with database.session() as session:
        row = session.get(Integration, integration_id)
        row.options = {"call_log": {"enabled": False}}
    with database.session() as session:
        (changed,) = intake.delivery_targets(session)
    assert not changed.options.call_log.enabled

    with database.session() as session:
        template_row = session.get(TemplateRow, "t-outbox")
        template_row.xml = template_xml("http://127.0.0.1:10", search=False)
    with database.session() as session:
        (retemplated,) = intake.delivery_targets(session)
    assert retemplated.template is not changed.template
    assert retemplated.template.call_log is not None
    assert "127.0.0.1:10" in retemplated.template.call_log.request.url
