"""Run the Alembic migrations shipped inside the package, without an alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from ringdesk.store.db import normalise_url, prepare_sqlite_file

__all__ = ["alembic_config", "current_revision", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolates '%': escape it so passwords with '%' survive.
    config.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return config


def current_revision(database_url: str) -> str | None:
    """The schema revision the database is at; None for a database never migrated."""
    url = normalise_url(database_url)
    prepare_sqlite_file(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (default: the newest)."""
    url = normalise_url(database_url)
    prepare_sqlite_file(url)  # 0600 file in a 0700 directory, before SQLite creates it
    command.upgrade(alembic_config(url), revision)
