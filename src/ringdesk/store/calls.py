"""Calls: the events as received (`call_events`, stored before they are acknowledged, I2)
and the contact each call was matched to per integration (`call_matches`, C; read by call
logs and tickets)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ringdesk.store.tables import CallEventRow, CallMatch
from ringdesk.store.unique import insert_unless_present

__all__ = [
    "StoredMatch",
    "add_event",
    "event_exists",
    "get_match",
    "mark_processed",
    "matches_of_call",
    "matches_of_calls",
    "save_match",
]


@dataclass(frozen=True)
class StoredMatch:
    """The contact a call was matched to (or created for) on one integration."""

    contact_type: str
    contact_id: str
    fields: dict[str, str] = field(default_factory=dict)
    popup_url: str = ""


def _key(call_id: str, type_: str) -> Any:
    return (CallEventRow.call_id == call_id) & (CallEventRow.type == type_)


def event_exists(session: Session, call_id: str, type_: str) -> bool:
    return session.scalar(select(CallEventRow.id).where(_key(call_id, type_))) is not None


def add_event(
    session: Session,
    *,
    call_id: str,
    type_: str,
    source: str,
    payload: dict[str, Any],
    now: float,
    processed: bool = False,
) -> bool:
    """Insert the event unless the same call_id + type is stored; False for a duplicate.
    `processed`: the event has no live work, so it is stored as processed already.

    One statement (`insert_unless_present`): a concurrent insert of the same event only
    makes this one a duplicate, never undoes the caller's other work."""
    return insert_unless_present(
        session,
        CallEventRow,
        {
            "call_id": call_id,
            "type": type_,
            "source": source[:40],
            "payload": payload,
            "received_at": now,
            "processed_at": now if processed else None,
        },
        key=("call_id", "type"),
    )


def mark_processed(session: Session, call_id: str, type_: str, *, now: float | None = None) -> None:
    session.execute(
        update(CallEventRow)
        .where(_key(call_id, type_))
        .values(processed_at=time.time() if now is None else now)
    )


def save_match(
    session: Session,
    integration_id: int,
    call_id: str,
    *,
    contact_type: str,
    contact_id: str,
    fields: Mapping[str, str],
    popup_url: str,
) -> None:
    """Upsert the call's match (unique per integration and call). Two processes may store
    a match of the same call at once; the insert then loses its SAVEPOINT and updates the
    row the other one made."""
    values = {
        "contact_type": contact_type,
        "contact_id": contact_id,
        "fields": dict(fields),
        "popup_url": popup_url,
    }
    for _ in range(2):
        row = session.scalar(
            select(CallMatch).where(
                CallMatch.integration_id == integration_id, CallMatch.call_id == call_id
            )
        )
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)
            session.flush()
            return
        try:
            with session.begin_nested():
                session.add(CallMatch(integration_id=integration_id, call_id=call_id, **values))
            return
        except IntegrityError:
            continue
    raise RuntimeError(f"cannot store the match of call {call_id}")


def _stored(row: Any) -> StoredMatch:
    fields = {str(k): str(v) for k, v in (row.fields or {}).items()}
    return StoredMatch(row.contact_type, row.contact_id, fields, row.popup_url or "")


_MATCH = select(
    CallMatch.contact_type, CallMatch.contact_id, CallMatch.fields, CallMatch.popup_url
).where(
    CallMatch.integration_id == bindparam("integration_id"),
    CallMatch.call_id == bindparam("call_id"),
)


def get_match(session: Session, integration_id: int, call_id: str) -> StoredMatch | None:
    """The match of one call on one integration (None when there is none, or it has no id)."""
    row = (
        session.connection()
        .execute(_MATCH, {"integration_id": integration_id, "call_id": call_id})
        .first()
    )
    return _stored(row) if row is not None and row.contact_id else None


def matches_of_call(session: Session, call_id: str) -> dict[int, StoredMatch]:
    """Every integration's match of one call, by integration id."""
    rows = session.execute(
        select(
            CallMatch.integration_id,
            CallMatch.contact_type,
            CallMatch.contact_id,
            CallMatch.fields,
            CallMatch.popup_url,
        ).where(CallMatch.call_id == call_id)
    )
    return {int(row.integration_id): _stored(row) for row in rows if row.contact_id}


# Built once (expanding IN parameters): constructing the statement per claimed batch cost
# more than running it.
_MATCHES_OF_CALLS = select(
    CallMatch.integration_id,
    CallMatch.call_id,
    CallMatch.contact_type,
    CallMatch.contact_id,
    CallMatch.fields,
    CallMatch.popup_url,
).where(CallMatch.call_id.in_(bindparam("call_ids", expanding=True)))


def matches_of_calls(
    session: Session, keys: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], StoredMatch]:
    """The matches of many (integration, call) pairs in a few queries (the outbox prefetch).

    `call_id IN (...)` (indexed; a row-value IN makes SQLite scan the table), the pairs
    checked here; chunked so the IN list stays under SQLite's parameter limit."""
    wanted = set(keys)
    call_ids = sorted({call_id for _, call_id in wanted})
    found: dict[tuple[int, str], StoredMatch] = {}
    connection = session.connection()
    for start in range(0, len(call_ids), 500):
        chunk = {"call_ids": call_ids[start : start + 500]}
        for row in connection.execute(_MATCHES_OF_CALLS, chunk):
            key = (int(row.integration_id), str(row.call_id))
            if row.contact_id and key in wanted:
                found[key] = _stored(row)
    return found
