"""The OAuth2 `state` parameter (A5): signed with the service's secret key, bound to one
integration, expiring, and single-use (its nonce is consumed in the database)."""

from __future__ import annotations

import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.orm import Session

from ringdesk.store.tables import OAuthState

__all__ = ["STATE_TTL_SECONDS", "StateError", "consume_state", "issue_state"]

STATE_TTL_SECONDS = 600
_SALT = "ringdesk.oauth-state"


class StateError(ValueError):
    """The `state` is forged, expired, unknown or already used."""


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue_state(
    session: Session,
    secret_key: str,
    integration_id: int,
    *,
    now: float,
    ttl: float = STATE_TTL_SECONDS,
) -> str:
    """Store a fresh nonce for `integration_id` and return the signed state."""
    nonce = secrets.token_urlsafe(24)
    session.add(OAuthState(nonce=nonce, integration_id=integration_id, expires_at=now + ttl))
    return _serializer(secret_key).dumps({"n": nonce, "i": integration_id})


def consume_state(
    session: Session,
    secret_key: str,
    token: str,
    *,
    now: float,
    ttl: float = STATE_TTL_SECONDS,
) -> int:
    """Check the signature, mark the nonce used (atomically) and return the integration id."""
    try:
        data = _serializer(secret_key).loads(token, max_age=int(ttl))
        nonce, integration_id = str(data["n"]), int(data["i"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise StateError("invalid or expired OAuth state") from None
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
    if getattr(used, "rowcount", 0) != 1:
        raise StateError("this OAuth state was already used or has expired")
    return integration_id
