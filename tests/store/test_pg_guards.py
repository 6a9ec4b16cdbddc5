"""The server-side guards on ringdesk's PostgreSQL sessions (issue 12 item 0): a transaction
left idle is ended by the server and the pool recovers; a lock wait and a statement are
bounded; the settings reach every pooled session."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ringdesk.config import Settings
from ringdesk.store.db import Database, PgGuards
from ringdesk.store.tables import TemplateRow

pytestmark = pytest.mark.pg

PG_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@PG_ONLY
def test_the_configured_limits_are_set_on_every_session(settings: Settings):
    configured = settings.model_copy(
        update={
            "pg_idle_in_transaction_timeout": 7.0,
            "pg_statement_timeout": 90.0,
            "pg_lock_timeout": 2.5,
        }
    )
    database = Database(configured.database_url, guards=PgGuards.from_settings(configured))
    try:
        with database.session() as first, database.session() as second:
            for session in (first, second):  # two pooled connections, each set up
                shown = {
                    name: session.execute(text(f"SHOW {name}")).scalar_one()
                    for name in (
                        "idle_in_transaction_session_timeout",
                        "statement_timeout",
                        "lock_timeout",
                        "application_name",
                    )
                }
                assert shown == {
                    "idle_in_transaction_session_timeout": "7s",
                    "statement_timeout": "90s",
                    "lock_timeout": "2500ms",
                    "application_name": "ringdesk",
                }
    finally:
        database.dispose()


@PG_ONLY
def test_the_defaults_guard_a_database_built_without_settings(settings: Settings):
    database = Database(settings.database_url)
    try:
        with database.connection() as connection:
            idle = connection.execute(text("SHOW idle_in_transaction_session_timeout")).scalar()
        assert idle == "30s"
    finally:
        database.dispose()


def _idle_in_transaction(database: Database) -> list[tuple[int, float]]:
    with database.connection() as connection:
        rows = connection.execute(
            text(
                "SELECT pid, extract(epoch FROM now() - state_change) FROM pg_stat_activity "
                "WHERE datname = current_database() AND state LIKE 'idle in transaction%'"
            )
        )
        return [(int(pid), float(age)) for pid, age in rows]


@PG_ONLY
def test_a_transaction_left_idle_is_ended_and_ringdesk_recovers(settings: Settings):
    database = Database(settings.database_url, guards=PgGuards(idle_in_transaction=1.0))
    try:
        session = database.sessions()
        try:
            # The bug this guards against: a transaction holding a row lock while its owner
            # waits on something else (the network, another thread) for good.
            session.add(TemplateRow(id="held", name="held", builtin=False, xml="<x/>"))
            session.flush()
            assert _idle_in_transaction(database)  # holding its insert, idle
            time.sleep(2.5)
            assert _idle_in_transaction(database) == []  # the server ended it
            with pytest.raises(DBAPIError):  # its owner learns at its next statement
                session.execute(text("SELECT 1"))
        finally:
            session.close()
        # Nothing of it was committed, the pool replaced the dead connection, work goes on.
        with database.session() as session:
            assert session.get(TemplateRow, "held") is None
            session.add(TemplateRow(id="after", name="after", builtin=False, xml="<x/>"))
        with database.session() as session:
            assert session.get(TemplateRow, "after") is not None
    finally:
        database.dispose()


@PG_ONLY
def test_a_lock_wait_is_bounded(settings: Settings):
    # A long idle timeout: only the lock timeout may end this wait.
    database = Database(settings.database_url, guards=PgGuards(lock=0.5, idle_in_transaction=60))
    try:
        with database.session() as session:
            session.add(TemplateRow(id="row", name="row", builtin=False, xml="<x/>"))
        with database.session() as holder:
            holder.execute(text("SELECT id FROM templates WHERE id = 'row' FOR UPDATE"))
            started = time.monotonic()
            with pytest.raises(DBAPIError, match="lock timeout"), database.session() as waiter:
                waiter.execute(text("UPDATE templates SET name = 'x' WHERE id = 'row'"))
            assert time.monotonic() - started < 5
    finally:
        database.dispose()


@PG_ONLY
def test_a_runaway_statement_is_cancelled(settings: Settings):
    database = Database(settings.database_url, guards=PgGuards(statement=0.5))
    try:
        with pytest.raises(DBAPIError, match="statement timeout"), database.session() as s:
            s.execute(text("SELECT pg_sleep(5)"))
        with database.session() as session:
            assert session.execute(text("SELECT 1")).scalar() == 1
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("guards", "expected"),
    [
        (PgGuards(), ["= 30000", "= 120000", "= 30000"]),
        (PgGuards(idle_in_transaction=0, statement=0.25, lock=0), ["= 0", "= 250", "= 0"]),
    ],
    ids=["defaults", "off-and-fractions"],
)
def test_guard_statements(guards: PgGuards, expected: list[str]):
    statements = guards.statements()
    assert [s.rsplit(" ", 2)[-2] + " " + s.rsplit(" ", 1)[-1] for s in statements] == expected
