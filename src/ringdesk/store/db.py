"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production).

`Session` and `Connection` are re-exported so the rest of ringdesk can name them in
signatures: only `ringdesk.store` imports SQLAlchemy (an import-linter contract checks it).

On PostgreSQL every pooled connection gets three server-side guards (`PgGuards`, from the
`RINGDESK_PG_*` settings), so a transaction left open by mistake can never hang the service
again (issue 12: a session sat *idle in transaction* holding the locks that every intake
needed): `idle_in_transaction_session_timeout` ends such a session (the pool replaces it),
`lock_timeout` turns an endless lock wait into an error the caller retries, and
`statement_timeout` bounds a runaway query. No code path of ringdesk is idle inside a
transaction for more than milliseconds (no transaction spans an `await` or a thread hop), so
the defaults never cut legitimate work. Migrations use their own engine without them.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ringdesk.config import Settings, make_private_dir

__all__ = [
    "Connection",
    "Database",
    "PgGuards",
    "Session",
    "is_postgres",
    "normalise_url",
    "prepare_sqlite_file",
]


def normalise_url(url: str) -> str:
    """Map plain `postgresql://` URLs to the psycopg 3 driver we ship."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def prepare_sqlite_file(url: str) -> None:
    """For a SQLite file URL: create its directory (0700) and the empty database file (0600)
    before SQLite does, since SQLite would create it readable by everyone (umask 022). A file
    that exists but is readable by others is tightened to 0600; SQLite gives its -wal and
    -shm files the database file's mode."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return
    path = Path(parsed.database)
    make_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077 and path.stat().st_uid == os.getuid():
            path.chmod(mode & 0o700)
        return
    os.close(fd)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the outbox writer; busy_timeout waits instead of failing
    # when two requests write at once; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@dataclass(frozen=True)
class PgGuards:
    """Server-side time limits of ringdesk's PostgreSQL sessions, in seconds (0: none)."""

    idle_in_transaction: float = 30.0
    statement: float = 120.0
    lock: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> PgGuards:
        return cls(
            idle_in_transaction=settings.pg_idle_in_transaction_timeout,
            statement=settings.pg_statement_timeout,
            lock=settings.pg_lock_timeout,
        )

    def statements(self) -> list[str]:
        """The `SET` statements that apply the guards to one session."""
        limits = {
            "idle_in_transaction_session_timeout": self.idle_in_transaction,
            "statement_timeout": self.statement,
            "lock_timeout": self.lock,
        }
        return [f"SET {name} = {round(seconds * 1000)}" for name, seconds in limits.items()]


def _pg_session_setup(guards: PgGuards) -> Any:
    def setup(dbapi_connection: Any, _record: Any) -> None:
        # Session-level SETs, committed at once: the pool's connection starts clean, and a
        # URL's own `options` (or a PgBouncer that refuses startup options) is left alone.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            with dbapi_connection.cursor() as cursor:
                for statement in guards.statements():
                    cursor.execute(statement)
        finally:
            dbapi_connection.autocommit = autocommit

    return setup


class Database:
    """Owns one engine and hands out sessions; one per app or CLI run. `guards` limit its
    PostgreSQL sessions (the defaults unless the caller passes the configured ones)."""

    def __init__(self, url: str, *, guards: PgGuards | None = None):
        url = normalise_url(url)
        parsed = make_url(url)
        kwargs: dict[str, Any] = {"future": True}
        if parsed.get_backend_name() == "sqlite":
            prepare_sqlite_file(url)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["pool_size"] = 10
            kwargs["max_overflow"] = 20
            if "application_name" not in parsed.query:
                # Lets an operator (and the tests) tell ringdesk's sessions apart in
                # pg_stat_activity.
                kwargs["connect_args"] = {"application_name": "ringdesk"}
        self.url = url
        self.guards = guards or PgGuards()
        self.engine = create_engine(url, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        elif parsed.get_backend_name() == "postgresql":
            event.listen(self.engine, "connect", _pg_session_setup(self.guards))
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return is_postgres(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A plain pooled connection for quick reads (no ORM session, no explicit
        transaction; the pool rolls back on return)."""
        with self.engine.connect() as connection:
            yield connection

    def ping(self) -> str:
        """Run a trivial query (readiness probe); returns the dialect's name."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()
