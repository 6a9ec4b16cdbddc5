"""Insert a row unless one with the same unique key exists, in one statement
(`INSERT … ON CONFLICT DO NOTHING`, on SQLite and PostgreSQL alike).

One round trip instead of a look-up, a SAVEPOINT, the insert and its release: this is on
the path of every call event (issue 12, item 6). A concurrent insert of the same key is no
error: PostgreSQL waits for the other transaction and then does nothing (or inserts, if
that one rolled back), so the caller's other work in the transaction is never undone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

__all__ = ["insert_unless_present"]


def insert_unless_present(
    session: Session,
    model: type[DeclarativeBase],
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
) -> bool:
    """Insert `values` into `model`'s table unless a row with the same `key` columns (a
    unique index) exists; True when inserted. Column defaults apply as for an ORM insert."""
    table = model.__table__
    assert isinstance(table, Table)  # noqa: S101  (declarative models are mapped to tables)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(dict(values))
        .on_conflict_do_nothing(index_elements=list(key))
        # RETURNING says whether a row was inserted (psycopg reports no rowcount for it).
        .returning(table.c[key[0]])
    )
    return session.execute(statement).first() is not None
