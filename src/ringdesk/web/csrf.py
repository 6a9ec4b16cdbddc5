"""CSRF tokens of admin sessions: one random token per session, compared in constant time.

Its own module so that page rendering (which puts the token in every form) and the login
views (which render pages) do not import each other.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any

from fastapi import HTTPException, Request

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_CSRF",
    "UNSAFE_METHODS",
    "check_csrf",
    "csrf_matches",
    "csrf_token",
]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_CSRF = "csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    session: MutableMapping[str, Any] = request.session
    token = session.get(SESSION_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_CSRF] = token
    return token


def csrf_matches(session: MutableMapping[str, Any], supplied: str | None) -> bool:
    """Whether `supplied` is the session's CSRF token (constant-time)."""
    expected = session.get(SESSION_CSRF)
    return bool(expected and supplied and hmac.compare_digest(str(expected), supplied))


async def check_csrf(request: Request) -> None:
    """Refuse (403) an unsafe request whose form field or header does not carry the token."""
    if request.method not in UNSAFE_METHODS:
        return
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            supplied = value if isinstance(value, str) else None
    if not csrf_matches(request.session, supplied):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong")
