"""The dashboard queries (issue 16) on SQLite and PostgreSQL: rows at known times land in
the right hour and the right series; rows outside the window are left out."""

from __future__ import annotations

import pytest

from ringdesk.store import dashboard as repo
from ringdesk.store.tables import CallEventRow, Integration, OutboxJob, RequestLogEntry
from ringdesk.store.templates import seed_builtin

# 2024-12-03 10:30:00 UTC; with 3 hours, the window is 08:00–11:00 and "now" is in the last.
NOW = 1733221800.0
H8, H9, H10 = 1733212800, 1733216400, 1733220000
WINDOW = repo.Window(hours=3, now=NOW)
INTEGRATION = 1  # the first row of the `integration` fixture's fresh table


def test_window_hours():
    assert WINDOW.start == H8
    assert WINDOW.starts == [H8, H9, H10]
    assert repo.Window(hours=1, now=H10).starts == [H10]


def _event(call_id: str, type_: str, at: float, status: str | None = None) -> CallEventRow:
    payload = {"type": type_, "call_id": call_id}
    if status:
        payload["status"] = status
    return CallEventRow(call_id=call_id, type=type_, payload=payload, received_at=at)


def test_calls_per_hour_by_outcome(database):
    with database.session() as session:
        session.add_all(
            [
                # answered, rang at 08:10, ended at 09:05: counted in its first hour
                _event("a", "call.ringing", H8 + 600),
                _event("a", "call.ended", H9 + 300, "answered"),
                _event("b", "call.ringing", H9 + 60),
                _event("b", "call.ended", H9 + 90, "no_answer"),
                _event("c", "call.ringing", H10 + 5),  # still ringing
                _event("d", "call.ended", H10 + 10, "voicemail"),  # CDR only
                _event("old", "call.ringing", H8 - 1),  # before the window
            ]
        )
    with database.session() as session:
        calls = repo.calls_per_hour(session, WINDOW)
    assert calls.answered == [1, 0, 0]
    assert calls.missed == [0, 1, 1]
    assert calls.open == [0, 0, 1]


def _job(key: str, status: str, *, created: float, done: float | None = None, attempts: int = 1):
    return OutboxJob(
        kind="call_log",
        integration_id=INTEGRATION,
        idempotency_key=key,
        payload={},
        status=status,
        attempts=attempts,
        created_at=created,
        done_at=done,
    )


@pytest.fixture
def integration(database) -> int:
    with database.session() as session:
        seed_builtin(session)
        row = Integration(template_id="demo", name="Demo")
        session.add(row)
        session.flush()
        return row.id


def test_deliveries_per_hour(database, integration):
    assert integration == INTEGRATION
    with database.session() as session:
        session.add_all(
            [
                _job("1", "done", created=H8 + 1, done=H8 + 2),
                _job("2", "done", created=H8 + 1, done=H10 + 2),
                _job("3", "failed", created=H9, done=H9 + 3000, attempts=12),
                _job("4", "pending", created=H9 + 10, attempts=3),  # retrying
                _job("5", "pending", created=H9 + 20, attempts=0),  # first try still due
                _job("6", "running", created=H10 + 1, attempts=2),  # retrying, running now
                _job("7", "done", created=H8 - 10, done=H8 - 5),  # before the window
            ]
        )
    with database.session() as session:
        deliveries = repo.deliveries_per_hour(session, WINDOW)
    assert deliveries.done == [1, 0, 1]
    assert deliveries.failed == [0, 1, 0]
    assert deliveries.retrying == [0, 1, 1]
    assert deliveries.now == {"done": 3, "failed": 1, "pending": 2, "running": 1}


def _request(integration_id: int, at: float, ms: float, status: int | None) -> RequestLogEntry:
    return RequestLogEntry(
        integration_id=integration_id,
        method="GET",
        url="http://desk/x",
        status=status,
        duration_ms=ms,
        created_at=at,
    )


def test_requests_per_hour(database, integration):
    with database.session() as session:
        session.add_all(
            [
                _request(integration, H8 + 1, 10.0, 200),
                _request(integration, H8 + 2, 30.0, 500),
                _request(integration, H10 + 1, 20.0, None),  # no answer
                _request(integration, H10 + 2, 40.0, 404),
                _request(integration, H10 + 3, 50.0, 201),
                _request(integration, H8 - 1, 99.0, 500),  # before the window
            ]
        )
    with database.session() as session:
        [series] = repo.requests_per_hour(session, WINDOW)
        quiet = repo.requests_per_hour(session, repo.Window(hours=1, now=H8 - 7200), [integration])
    assert series.integration_id == integration
    assert series.durations == [[10.0, 30.0], [], [20.0, 40.0, 50.0]]
    assert series.errors == [1, 0, 2]
    # An integration without requests still has (empty) series when asked for.
    assert [(s.integration_id, s.durations, s.errors) for s in quiet] == [(integration, [[]], [0])]
