"""events.intake: store first (deduplicated), then live work; and the AMI background
service feeding it (I2)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from ringdesk.api.app import create_app
from ringdesk.events import intake
from ringdesk.events.ami import ami_service
from ringdesk.events.webhook import parse_event
from ringdesk.store.tables import CallEvent as CallEventRow
from ringdesk.testing import FakeAMIServer, ami_call_script, call_event


def _rows(database):
    with database.session() as session:
        return list(session.scalars(select(CallEventRow).order_by(CallEventRow.id)))


async def _settle():
    tasks = intake.pending_tasks()
    if tasks:
        await asyncio.wait(tasks, timeout=10)


async def test_accept_stores_once_and_marks_processed(settings, database):
    """accept() stores the event, refuses the duplicate, and marks it processed after the
    live work ran (covers I2)."""
    app = create_app(settings)
    event = parse_event(call_event("call.answered", "i-1"))
    assert intake.accept(app.state, event, source="test") is True
    assert intake.accept(app.state, event, source="test") is False
    await _settle()
    (row,) = _rows(database)
    assert (row.call_id, row.type, row.source) == ("i-1", "call.answered", "test")
    assert row.processed_at is not None
    app.state.db.dispose()


def test_accept_without_a_loop_runs_live_work_inline(settings, database):
    """Called from plain synchronous code, accept() still does the live work."""
    app = create_app(settings)
    assert intake.accept(app.state, parse_event(call_event("call.ended", "i-2")), source="cli")
    (row,) = _rows(database)
    assert row.processed_at is not None
    app.state.db.dispose()


async def test_ami_service_feeds_intake(settings, database):
    """With ami_url set, the background service stores the AMI call's three events."""
    async with FakeAMIServer(ami_call_script("300.1")) as server:
        app = create_app(settings.model_copy(update={"ami_url": server.url}))
        async with ami_service(app):
            for _ in range(500):
                if len(_rows(database)) == 3:
                    break
                await asyncio.sleep(0.02)
        await _settle()
        app.state.db.dispose()
    rows = _rows(database)
    assert [(r.type, r.source) for r in rows] == [
        ("call.ringing", "ami"),
        ("call.answered", "ami"),
        ("call.ended", "ami"),
    ]
    assert rows[-1].payload["status"] == "answered"


async def test_ami_service_is_off_without_url(settings):
    """Without ami_url the service starts and stops without connecting anywhere."""
    app = create_app(settings)
    async with ami_service(app):
        pass
    app.state.db.dispose()
