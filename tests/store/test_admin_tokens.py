"""Admin tokens are stored hashed, verified by value, and stop working when revoked or
expired."""

from __future__ import annotations

from sqlalchemy import select

from ringdesk.store.admin import (
    count_live_tokens,
    create_token,
    new_token,
    revoke_token,
    setup_open,
    verify_token,
)
from ringdesk.store.tables import AdminToken

NOW = 1_800_000_000.0


def test_token_is_stored_hashed_and_verifies(database):
    with database.session() as session:
        token = create_token(session, "t")
    with database.session() as session:
        stored = session.scalars(select(AdminToken.token_hash)).all()
        assert token not in stored
        assert verify_token(session, token, now=NOW)
        assert not verify_token(session, token + "x", now=NOW)


def test_revoked_and_expired_tokens_stop_working(database):
    """Issue 14 #2: a token can expire and be revoked; neither counts as an admin any more."""
    with database.session() as session:
        assert setup_open(session, now=NOW)
        row, token = new_token(session, "expiring", expires_at=NOW + 60)
        other = create_token(session, "forever")
        assert not setup_open(session, now=NOW)
    with database.session() as session:
        assert verify_token(session, token, now=NOW + 59)
        assert not verify_token(session, token, now=NOW + 60)
        assert count_live_tokens(session, now=NOW + 61) == 1
        other_id = session.scalar(select(AdminToken.id).where(AdminToken.name == "forever"))
        assert revoke_token(session, int(other_id or 0), now=NOW)
        assert not revoke_token(session, 9999, now=NOW)
    with database.session() as session:
        assert not verify_token(session, other, now=NOW)
        assert count_live_tokens(session, now=NOW + 61) == 0
        assert setup_open(session, now=NOW + 61)
        assert row.name == "expiring"
