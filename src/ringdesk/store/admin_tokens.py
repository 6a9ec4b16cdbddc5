"""Admin API tokens: random, shown once, stored as SHA-256 only."""

from __future__ import annotations

import hashlib
import secrets
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringdesk.store.tables import AdminToken

__all__ = ["create_token", "verify_token"]

PREFIX = "rdk_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, label: str = "") -> str:
    """Create a token and return it in clear; this is the only time it is seen."""
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(AdminToken(token_hash=_digest(token), label=label))
    return token


def verify_token(session: Session, token: str) -> bool:
    """True when `token` is a live admin token; records when it was last used."""
    row = session.scalar(select(AdminToken).where(AdminToken.token_hash == _digest(token)))
    if row is None:
        return False
    row.last_used_at = time.time()
    return True
