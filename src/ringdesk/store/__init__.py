"""Persistence: engine/session factory, tables, migrations."""

from __future__ import annotations

from ringdesk.store.db import Database
from ringdesk.store.migrate import upgrade

__all__ = ["Database", "upgrade"]
