"""The OAuth2 `state` (A5): signed, bound to an integration, expiring, single-use."""

from __future__ import annotations

import pytest
from tests.integrations.support import add_integration, insert_template, make_state, template_xml

from ringdesk.auth.state import consume_state, issue_state
from ringdesk.errors import OAuthStateError

KEY = "k" * 32


@pytest.fixture
def integration_id(settings, database):
    insert_template(database, "fake", template_xml())
    return add_integration(make_state(settings, database), "fake", status="pending_oauth")


def test_state_is_single_use(database, integration_id):
    with database.session() as session:
        token = issue_state(session, KEY, integration_id, now=1000.0)
    with database.session() as session:
        assert consume_state(session, KEY, token, now=1001.0) == integration_id
    with database.session() as session, pytest.raises(OAuthStateError, match="already used"):
        consume_state(session, KEY, token, now=1002.0)


def test_forged_and_expired_states_are_refused(database, integration_id):
    with database.session() as session:
        token = issue_state(session, KEY, integration_id, now=1000.0, ttl=60)
    with database.session() as session, pytest.raises(OAuthStateError, match="invalid"):
        consume_state(session, "another-key-xxxxxxxxxxxxxxxxxxxxx", token, now=1001.0)
    with database.session() as session, pytest.raises(OAuthStateError, match="invalid"):
        consume_state(session, KEY, token[:-2] + "xx", now=1001.0)
    with database.session() as session, pytest.raises(OAuthStateError, match="expired"):
        consume_state(session, KEY, token, now=1061.0)
