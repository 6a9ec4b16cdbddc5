"""Who may administer ringdesk: admin users of the web UI (password hashes), admin API tokens
(SHA-256 only, shown once), and the single-use nonces of OAuth2 `state` values (A5)."""

from __future__ import annotations

import hashlib
import secrets
import time

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ringdesk.store.tables import AdminToken, AdminUser, OAuthState

__all__ = [
    "TOKEN_PREFIX",
    "add_oauth_state",
    "add_user",
    "count_users",
    "create_token",
    "get_user",
    "use_oauth_state",
    "verify_token",
]

TOKEN_PREFIX = "rdk_"  # noqa: S105  (a marker, not a secret)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, label: str = "") -> str:
    """Create an admin API token and return it in clear; this is the only time it is seen."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(AdminToken(token_hash=_digest(token), label=label))
    return token


def verify_token(session: Session, token: str) -> bool:
    """True when `token` is a live admin token; records when it was last used."""
    row = session.scalar(select(AdminToken).where(AdminToken.token_hash == _digest(token)))
    if row is None:
        return False
    row.last_used_at = time.time()
    return True


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AdminUser)) or 0)


def get_user(session: Session, username: str) -> AdminUser | None:
    return session.scalar(select(AdminUser).where(AdminUser.username == username))


def add_user(session: Session, username: str, password_hash: str) -> AdminUser:
    row = AdminUser(username=username, password_hash=password_hash)
    session.add(row)
    session.flush()
    return row


def add_oauth_state(
    session: Session, nonce: str, integration_id: int, *, expires_at: float
) -> None:
    session.add(OAuthState(nonce=nonce, integration_id=integration_id, expires_at=expires_at))


def use_oauth_state(session: Session, nonce: str, integration_id: int, *, now: float) -> bool:
    """Mark a live, unused nonce of `integration_id` used (atomically); False otherwise."""
    used = session.execute(
        update(OAuthState)
        .where(
            OAuthState.nonce == nonce,
            OAuthState.integration_id == integration_id,
            OAuthState.used_at.is_(None),
            OAuthState.expires_at > now,
        )
        .values(used_at=now)
    )
    return getattr(used, "rowcount", 0) == 1
