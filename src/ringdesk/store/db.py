"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production).

`Session` and `Connection` are re-exported so the rest of ringdesk can name them in
signatures: only `ringdesk.store` imports SQLAlchemy (an import-linter contract checks it).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ringdesk.config import make_private_dir

__all__ = [
    "Connection",
    "Database",
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


class Database:
    """Owns one engine and hands out sessions; one per app or CLI run."""

    def __init__(self, url: str):
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
        self.url = url
        self.engine = create_engine(url, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
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
