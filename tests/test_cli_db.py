"""`ringdesk db upgrade` says what it did: created, upgraded from which revision, or
nothing to do (a first-run report found it said "up to date" after creating a database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ringdesk.cli import main
from ringdesk.store.migrate import current_revision, upgrade


def _upgrade(monkeypatch: pytest.MonkeyPatch, url: str) -> str:
    monkeypatch.setenv("RINGDESK_DATABASE_URL", url)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_db_upgrade_reports_created_then_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    created = _upgrade(monkeypatch, url)
    head = current_revision(url)
    assert head is not None
    assert created == f"database created at revision {head}"
    assert _upgrade(monkeypatch, url) == f"database is up to date (revision {head})"


def test_db_upgrade_names_the_revisions_it_moved_between(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0003_call_work")
    assert current_revision(url) == "0003_call_work"
    message = _upgrade(monkeypatch, url)
    assert message == f"database upgraded from revision 0003_call_work to {current_revision(url)}"
    assert current_revision(url) != "0003_call_work"
