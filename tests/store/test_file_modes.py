"""Issue 14 #10: the SQLite database and the key files are readable by their owner only,
in a data directory only its owner may enter."""

from __future__ import annotations

import os
import stat

import pytest

from ringdesk.config import Settings
from ringdesk.store.db import Database
from ringdesk.store.migrate import upgrade


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def _usual_umask():
    old = os.umask(0o022)  # what a service usually runs with: files 0644 unless asked
    yield
    os.umask(old)


def test_migrated_database_file_and_data_dir_are_private(tmp_path):
    data = tmp_path / "var"
    upgrade(f"sqlite:///{data / 'ringdesk.db'}")
    assert _mode(data) == 0o700
    assert _mode(data / "ringdesk.db") == 0o600
    for extra in ("ringdesk.db-wal", "ringdesk.db-shm"):
        if (data / extra).exists():
            assert _mode(data / extra) & 0o077 == 0, extra


def test_database_opened_first_is_private_too(tmp_path):
    data = tmp_path / "other"
    database = Database(f"sqlite:///{data / 'ringdesk.db'}")
    try:
        with database.connection() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    finally:
        database.dispose()
    assert _mode(data) == 0o700
    assert _mode(data / "ringdesk.db") == 0o600


def test_existing_world_readable_database_is_tightened(tmp_path):
    path = tmp_path / "old.db"
    path.touch(mode=0o644)
    upgrade(f"sqlite:///{path}")
    assert _mode(path) == 0o600


def test_key_files_are_private(tmp_path):
    settings = Settings(data_dir=tmp_path / "keys")
    settings.resolved_secret_key()
    settings.resolved_webhook_secret()
    assert _mode(tmp_path / "keys") == 0o700
    assert _mode(tmp_path / "keys" / "secret.key") == 0o600
    assert _mode(tmp_path / "keys" / "webhook.key") == 0o600
