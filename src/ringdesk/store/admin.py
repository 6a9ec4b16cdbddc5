"""Who may administer ringdesk, stored: admin users (password hashes), admin API tokens (named,
expiring, revocable; SHA-256 only, shown once), server-side admin sessions, one-time setup
codes, failed-login counters, agent-link generations, and the single-use nonces of OAuth2
`state` values (A5). Every secret is kept only as its SHA-256: a copy of the database opens
nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ringdesk.store.tables import (
    AdminSession,
    AdminToken,
    AdminUser,
    AgentLink,
    LoginFailure,
    OAuthState,
    SetupCode,
)

__all__ = [
    "TOKEN_PREFIX",
    "add_oauth_state",
    "add_setup_code",
    "add_user",
    "agent_generation",
    "bump_agent_generation",
    "count_live_tokens",
    "count_users",
    "create_token",
    "delete_session",
    "delete_user_sessions",
    "digest",
    "failure_clear",
    "failure_count",
    "failure_expiry",
    "failure_incr",
    "get_user",
    "list_tokens",
    "load_session",
    "new_token",
    "oauth_verifier",
    "purge_expired",
    "revoke_token",
    "save_session",
    "set_password",
    "setup_code_live",
    "setup_open",
    "token_row",
    "use_oauth_state",
    "use_setup_code",
    "verify_token",
]

TOKEN_PREFIX = "rdk_"  # noqa: S105  (a marker, not a secret)


def digest(secret: str) -> str:
    """The SHA-256 (hex) under which a random secret is stored. The secrets are 256-bit
    random values, so a fast hash is enough: there is nothing to guess by brute force."""
    return hashlib.sha256(secret.encode()).hexdigest()


# -- admin API tokens -----------------------------------------------------------------------


def new_token(
    session: Session, name: str = "", *, expires_at: float | None = None
) -> tuple[AdminToken, str]:
    """Create an admin API token: its row and the token in clear (the only time it is
    seen)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = AdminToken(token_hash=digest(token), name=name, expires_at=expires_at)
    session.add(row)
    session.flush()
    return row, token


def create_token(session: Session, name: str = "", *, expires_at: float | None = None) -> str:
    """`new_token`, returning only the token in clear."""
    return new_token(session, name, expires_at=expires_at)[1]


def _live(now: float) -> Any:
    return (AdminToken.revoked_at.is_(None)) & (
        or_(AdminToken.expires_at.is_(None), AdminToken.expires_at > now)
    )


def token_row(session: Session, token: str, *, now: float) -> AdminToken | None:
    """The live (unrevoked, unexpired) token row of `token`, or None."""
    return session.scalar(
        select(AdminToken).where(AdminToken.token_hash == digest(token), _live(now))
    )


def verify_token(session: Session, token: str, *, now: float) -> bool:
    """True when `token` is a live admin token; records when it was last used."""
    row = token_row(session, token, now=now)
    if row is None:
        return False
    row.last_used_at = now
    return True


def list_tokens(session: Session) -> list[AdminToken]:
    return list(session.scalars(select(AdminToken).order_by(AdminToken.id)))


def revoke_token(session: Session, token_id: int, *, now: float) -> bool:
    """Revoke a token; False when there is no such token (revoking twice is fine)."""
    row = session.get(AdminToken, token_id)
    if row is None:
        return False
    if row.revoked_at is None:
        row.revoked_at = now
    return True


def count_live_tokens(session: Session, *, now: float) -> int:
    return int(session.scalar(select(func.count()).select_from(AdminToken).where(_live(now))) or 0)


# -- admin users ------------------------------------------------------------------------------


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AdminUser)) or 0)


def get_user(session: Session, username: str) -> AdminUser | None:
    return session.scalar(select(AdminUser).where(AdminUser.username == username))


def add_user(session: Session, username: str, password_hash: str) -> AdminUser:
    row = AdminUser(username=username, password_hash=password_hash)
    session.add(row)
    session.flush()
    return row


def set_password(session: Session, username: str, password_hash: str) -> bool:
    row = get_user(session, username)
    if row is None:
        return False
    row.password_hash = password_hash
    return True


def setup_open(session: Session, *, now: float) -> bool:
    """First-run setup is possible only while no admin exists: no UI user, no live token."""
    return count_users(session) == 0 and count_live_tokens(session, now=now) == 0


# -- one-time setup codes --------------------------------------------------------------------


def add_setup_code(session: Session, code: str, *, now: float, expires_at: float) -> None:
    session.add(SetupCode(code_hash=digest(code), created_at=now, expires_at=expires_at))


def setup_code_live(session: Session, code: str, *, now: float) -> bool:
    row = session.get(SetupCode, digest(code))
    return row is not None and row.used_at is None and row.expires_at > now


def use_setup_code(session: Session, code: str, *, now: float) -> bool:
    """Spend a live setup code (atomically: two submits cannot both use it)."""
    used = session.execute(
        update(SetupCode)
        .where(
            SetupCode.code_hash == digest(code),
            SetupCode.used_at.is_(None),
            SetupCode.expires_at > now,
        )
        .values(used_at=now)
    )
    return getattr(used, "rowcount", 0) == 1


# -- server-side sessions ---------------------------------------------------------------------


def load_session(session: Session, session_id: str, *, now: float) -> AdminSession | None:
    """The live session stored under the cookie value `session_id`, or None."""
    row = session.get(AdminSession, digest(session_id))
    if row is None or row.expires_at <= now:
        return None
    return row


def save_session(
    session: Session,
    session_id: str,
    *,
    username: str | None,
    data: dict[str, Any],
    now: float,
    expires_at: float,
    create: bool,
) -> bool:
    """Store a new session (`create`) or update a live one. An update of a session that is
    gone (revoked meanwhile) does nothing and returns False: it is never brought back."""
    if create:
        session.add(
            AdminSession(
                id_hash=digest(session_id),
                username=username,
                data=data,
                created_at=now,
                expires_at=expires_at,
            )
        )
        return True
    result = session.execute(
        update(AdminSession)
        .where(AdminSession.id_hash == digest(session_id), AdminSession.expires_at > now)
        .values(username=username, data=data, expires_at=expires_at)
    )
    return getattr(result, "rowcount", 0) == 1


def delete_session(session: Session, session_id: str) -> None:
    session.execute(delete(AdminSession).where(AdminSession.id_hash == digest(session_id)))


def delete_user_sessions(session: Session, username: str, *, keep: str | None = None) -> int:
    """Revoke every session of `username` (a changed password), except the one whose cookie
    value is `keep` (the session that changed it)."""
    statement = delete(AdminSession).where(AdminSession.username == username)
    if keep:
        statement = statement.where(AdminSession.id_hash != digest(keep))
    result = session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def purge_expired(session: Session, *, now: float) -> None:
    """Drop expired sessions and failure counters (they only take room)."""
    session.execute(delete(AdminSession).where(AdminSession.expires_at <= now))
    session.execute(delete(LoginFailure).where(LoginFailure.expires_at <= now))


# -- failed-login counters (a fixed window per key; see web.throttle) --------------------------


def _upsert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def failure_incr(session: Session, key: str, *, expiry: float, amount: int, now: float) -> int:
    """Add `amount` to `key`'s window (a new window when none is live); the new count.
    One statement, so processes sharing the database never lose a count."""
    stale = LoginFailure.expires_at <= now
    statement = (
        _upsert(session, LoginFailure)
        .values(key=key, count=amount, expires_at=now + expiry)
        .on_conflict_do_update(
            index_elements=[LoginFailure.key],
            set_={
                "count": case((stale, amount), else_=LoginFailure.count + amount),
                "expires_at": case((stale, now + expiry), else_=LoginFailure.expires_at),
            },
        )
        .returning(LoginFailure.count)
    )
    return int(session.execute(statement).scalar_one())


def failure_count(session: Session, key: str, *, now: float) -> int:
    row = session.get(LoginFailure, key)
    return row.count if row is not None and row.expires_at > now else 0


def failure_expiry(session: Session, key: str, *, now: float) -> float:
    """When `key`'s window ends (`now` when it has none)."""
    row = session.get(LoginFailure, key)
    return row.expires_at if row is not None and row.expires_at > now else now


def failure_clear(session: Session, key: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.key == key))


# -- agent-link generations -------------------------------------------------------------------


def agent_generation(session: Session, extension: str) -> int:
    return int(
        session.scalar(select(AgentLink.generation).where(AgentLink.extension == extension)) or 0
    )


def bump_agent_generation(session: Session, extension: str, *, now: float) -> int:
    """Revoke every agent link of `extension` made so far; the new generation."""
    statement = (
        _upsert(session, AgentLink)
        .values(extension=extension, generation=1, revoked_at=now)
        .on_conflict_do_update(
            index_elements=[AgentLink.extension],
            set_={"generation": AgentLink.generation + 1, "revoked_at": now},
        )
        .returning(AgentLink.generation)
    )
    return int(session.execute(statement).scalar_one())


# -- OAuth2 state nonces ----------------------------------------------------------------------


def add_oauth_state(
    session: Session,
    nonce: str,
    integration_id: int,
    *,
    expires_at: float,
    code_verifier: str | None = None,
) -> None:
    session.add(
        OAuthState(
            nonce=nonce,
            integration_id=integration_id,
            expires_at=expires_at,
            code_verifier=code_verifier,
        )
    )


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


def oauth_verifier(session: Session, nonce: str) -> str | None:
    """The PKCE code verifier stored with a state's nonce (None without PKCE)."""
    return session.scalar(select(OAuthState.code_verifier).where(OAuthState.nonce == nonce))
