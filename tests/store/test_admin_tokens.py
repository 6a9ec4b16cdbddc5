"""Admin tokens are stored hashed and verified by value."""

from __future__ import annotations

from sqlalchemy import select

from ringdesk.store.admin import create_token, verify_token
from ringdesk.store.tables import AdminToken


def test_token_is_stored_hashed_and_verifies(database):
    with database.session() as session:
        token = create_token(session, "t")
    with database.session() as session:
        stored = session.scalars(select(AdminToken.token_hash)).all()
        assert token not in stored
        assert verify_token(session, token)
        assert not verify_token(session, token + "x")
