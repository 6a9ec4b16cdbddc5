"""Built-in templates reach the `templates` table idempotently (G5, ours) on both databases."""

from __future__ import annotations

import pytest

from ringdesk.store import templates as templates_repo
from ringdesk.store.db import Database
from ringdesk.store.tables import TemplateRow
from ringdesk.templates import load_xml
from ringdesk.templates.library import builtin_ids

seed_builtin = templates_repo.seed_builtin


def test_seed_is_idempotent_and_refreshes_changed_builtins(database):
    with database.session() as session:
        assert seed_builtin(session) == builtin_ids()
    with database.session() as session:
        assert seed_builtin(session) == []
        session.get(TemplateRow, "zendesk").xml = "<stale/>"
    with database.session() as session:
        assert seed_builtin(session) == ["zendesk"]
        row = session.get(TemplateRow, "zendesk")
        assert row.builtin is True
        assert load_xml(row.xml).general.name == "Zendesk"
        assert templates_repo.count_custom(session) == 0


def test_get_template_seeds_a_missing_builtin(database):
    with database.session() as session:
        assert templates_repo.get_template(session, "freshdesk").general.name == "Freshdesk"
        with pytest.raises(LookupError):
            templates_repo.get_template(session, "no-such-template")


def test_seeding_an_unmigrated_database_does_not_raise(tmp_path):
    """At app start the schema may not exist yet (migrations run later): seeding waits."""
    database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        templates_repo.seed_builtin_safely(database)
    finally:
        database.dispose()
