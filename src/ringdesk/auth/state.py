"""The OAuth2 `state` parameter (A5): signed with the service's secret key, bound to one
integration, expiring, and single-use (its nonce is consumed in the database)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from ringdesk.errors import OAuthStateError
from ringdesk.store import admin
from ringdesk.store.db import Session

__all__ = ["STATE_TTL_SECONDS", "OAuthGrant", "consume_grant", "consume_state", "issue_state"]

STATE_TTL_SECONDS = 600
_SALT = "ringdesk.oauth-state"


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue_state(
    session: Session,
    secret_key: str,
    integration_id: int,
    *,
    now: float,
    ttl: float = STATE_TTL_SECONDS,
    code_verifier: str | None = None,
) -> str:
    """Store a fresh nonce for `integration_id` (with the PKCE verifier, if any) and return
    the signed state."""
    nonce = secrets.token_urlsafe(24)
    admin.add_oauth_state(
        session, nonce, integration_id, expires_at=now + ttl, code_verifier=code_verifier
    )
    return _serializer(secret_key).dumps({"n": nonce, "i": integration_id})


@dataclass(frozen=True)
class OAuthGrant:
    """What a consumed state stood for: the integration, and the PKCE verifier (if any)."""

    integration_id: int
    code_verifier: str | None = None


def consume_grant(
    session: Session,
    secret_key: str,
    token: str,
    *,
    now: float,
    ttl: float = STATE_TTL_SECONDS,
) -> OAuthGrant:
    """Check the signature, mark the nonce used (atomically) and return what it stood for."""
    try:
        data = _serializer(secret_key).loads(token, max_age=int(ttl))
        nonce, integration_id = str(data["n"]), int(data["i"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise OAuthStateError("invalid or expired OAuth state") from None
    if not admin.use_oauth_state(session, nonce, integration_id, now=now):
        raise OAuthStateError("this OAuth state was already used or has expired")
    return OAuthGrant(integration_id, admin.oauth_verifier(session, nonce))


def consume_state(
    session: Session,
    secret_key: str,
    token: str,
    *,
    now: float,
    ttl: float = STATE_TTL_SECONDS,
) -> int:
    """`consume_grant`, returning only the integration id."""
    return consume_grant(session, secret_key, token, now=now, ttl=ttl).integration_id
