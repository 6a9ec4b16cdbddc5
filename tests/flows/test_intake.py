"""events.intake: store first (deduplicated), then live work; and the AMI background
service feeding it (I2)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from ringdesk.events.ami import ami_service
from ringdesk.events.webhook import parse_event
from ringdesk.flows import intake
from ringdesk.store.tables import CallEventRow
from ringdesk.testing import FakeAMIServer, ami_call_script, call_event
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
