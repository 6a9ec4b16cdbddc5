"""store.unique: one-statement insert unless the unique key exists (issue 12, item 6)."""

from __future__ import annotations

from sqlalchemy import func, select

from ringdesk.store.tables import CallEventRow
from ringdesk.store.unique import insert_unless_present


def _event(call_id: str, type_: str = "call.ended") -> dict:
    return {"call_id": call_id, "type": type_, "source": "t", "payload": {"n": 1}}


def test_inserts_once_and_keeps_the_rest_of_the_transaction(database):
    """The duplicate is refused without undoing the transaction's other rows (I2, L3)."""
    with database.session() as session:
        assert insert_unless_present(session, CallEventRow, _event("u-1"), key=("call_id", "type"))
        assert not insert_unless_present(
            session, CallEventRow, _event("u-1"), key=("call_id", "type")
        )
        assert insert_unless_present(
            session, CallEventRow, _event("u-1", "call.ringing"), key=("call_id", "type")
        )
    with database.session() as session:
        assert not insert_unless_present(
            session, CallEventRow, _event("u-1"), key=("call_id", "type")
        )
        rows = session.scalar(select(func.count()).select_from(CallEventRow))
        stored = session.scalars(select(CallEventRow).where(CallEventRow.type == "call.ended"))
        (row,) = list(stored)
    assert rows == 2
    assert row.payload == {"n": 1}
    assert row.received_at > 0  # the column's default applies, as for an ORM insert
