"""Insert a row unless one with the same unique key exists, in one statement
(`INSERT … ON CONFLICT DO NOTHING`, on SQLite and PostgreSQL alike).

One round trip instead of a look-up, a SAVEPOINT, the insert and its release: this is on
the path of every call event (issue 12, item 6). A concurrent insert of the same key is no
error: PostgreSQL waits for the other transaction and then does nothing (or inserts, if
that one rolled back), so the caller's other work in the transaction is never undone.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Executable, Table
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
    statement = _statement(table, tuple(key), session.get_bind().dialect.name)
    return session.execute(statement, dict(values)).first() is not None


@functools.lru_cache(maxsize=64)
def _statement(table: Table, key: tuple[str, ...], dialect_name: str) -> Executable:
    # Built once per table and dialect, the values bound at execution: building the
    # statement with its values cost more CPU than running it (a few dozen statements).
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement: Executable = (
        dialect.insert(table)
        .on_conflict_do_nothing(index_elements=list(key))
        # RETURNING says whether a row was inserted (psycopg reports no rowcount for it).
        .returning(table.c[key[0]])
    )
    return statement
