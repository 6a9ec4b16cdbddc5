"""Integration ids are never reused (issue 13): after the integration with the highest id is
deleted, the next one gets a new id, so the deleted one's request-log rows (also one still
buffered in memory), outbox jobs and phonebook rows can never attach to it. SQLite needs
AUTOINCREMENT for this (migration 0003_call_work); PostgreSQL sequences never go back."""

from __future__ import annotations

import time

from sqlalchemy import func, select, text

from ringdesk.flows.contacts import Contact
from ringdesk.http.requestlog import LogRow, RequestLog
from ringdesk.store import integrations as repo
from ringdesk.store import outbox, phonebook, requestlog
from ringdesk.store.tables import OutboxJob, PhonebookEntry, RequestLogEntry, TemplateRow


def _create(session) -> int:
    return repo.create(
        session, template_id="t-ids", name="Desk", fields={}, options={}, secrets=b""
    ).id


def _log_row(integration_id: int) -> LogRow:
    return LogRow(integration_id, "call_log", "POST", "https://x/", 201, 1.0, "", "", None, 0.0)


def _rows_of(session, integration_id: int) -> dict[str, int]:
    def count(table) -> int:
        query = (
            select(func.count()).select_from(table).where(table.integration_id == integration_id)
        )
        return int(session.scalar(query) or 0)

    return {
        "request_log": count(RequestLogEntry),
        "outbox": count(OutboxJob),
        "phonebook": count(PhonebookEntry),
    }


async def test_a_deleted_integrations_id_is_never_given_again(database):
    with database.session() as session:
        session.add(TemplateRow(id="t-ids", name="T", xml="<HelpdeskTemplate/>"))
        session.flush()
        old = _create(session)
        requestlog.write_rows(session, [_log_row(old).values()], retention=100)
        outbox.enqueue(
            session,
            kind="call_log",
            integration_id=old,
            call_id="c-1",
            idempotency_key=f"call_log:{old}:c-1",
            payload={},
            now=time.time(),
        )
        contact = Contact("Contacts", "p-1", {"FirstName": "Ada", "BusinessNumber": "+4930123456"})
        phonebook.store_contacts(session, old, "Contacts", [contact], "DE", prune=True)
        assert _rows_of(session, old) == {"request_log": 1, "outbox": 1, "phonebook": 1}
    buffered = RequestLog(database, retention=100)
    buffered.add(_log_row(old))  # written only after the integration is gone
    with database.session() as session:
        repo.delete(session, repo.get(session, old))
    with database.session() as session:
        new = _create(session)
    await buffered.flush()
    assert new > old  # the highest id was deleted: a reused id would equal it
    with database.session() as session:
        assert _rows_of(session, new) == {"request_log": 0, "outbox": 0, "phonebook": 0}
        assert _rows_of(session, old) == {"request_log": 0, "outbox": 0, "phonebook": 0}
        if session.bind.dialect.name == "sqlite":
            ddl = session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'integrations'"))
            assert "AUTOINCREMENT" in ddl
