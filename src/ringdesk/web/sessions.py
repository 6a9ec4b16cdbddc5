"""Server-side admin sessions (I5): the cookie holds only a random session id; who is logged
in, the CSRF token and flash messages live in the `admin_sessions` table under the id's
SHA-256. Deleting the row revokes the session at once (logout, a changed password), which a
signed cookie could never do.

`ServerSessionMiddleware` puts a `SessionData` (a dict) at `scope["session"]`, so
`request.session` works as with Starlette's cookie sessions, and stores it when the response
starts if it changed. A session that logs in gets a fresh id (no session fixation).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from starlette.requests import Request

from ringdesk.services import Services
from ringdesk.store import admin

__all__ = [
    "ANONYMOUS_TTL",
    "LOGIN_TTL",
    "SESSION_COOKIE",
    "USER_KEY",
    "ServerSessionMiddleware",
    "SessionData",
    "session_id",
    "start_login",
]

SESSION_COOKIE = "ringdesk_session"
USER_KEY = "admin_user"
# A logged-in session ends this long after login, whatever happens; one that is not logged in
# (a login, setup or agent form and its CSRF token) this long after it last changed.
LOGIN_TTL = 12 * 3600
ANONYMOUS_TTL = 2 * 3600
_PURGE_EVERY = 300.0
# Requests that never read a session: no database round trip for them.
_NO_SESSION_PREFIXES = ("/static/", "/healthz", "/readyz", "/metrics")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SessionData(dict[str, Any]):
    """The session of one request: its values, plus what the middleware needs to store it."""

    def __init__(
        self,
        values: dict[str, Any] | None = None,
        *,
        session_id: str | None = None,
        expires_at: float | None = None,
    ) -> None:
        super().__init__(values or {})
        self.session_id = session_id
        self.expires_at = expires_at
        self.fresh_login = False
        self.loaded = dict(self)


def start_login(request: Request, username: str) -> None:
    """Log `username` in on this request's session: everything set before authentication is
    dropped, and the response carries a new session id."""
    data = request.session
    data.clear()
    data[USER_KEY] = username
    if isinstance(data, SessionData):
        data.fresh_login = True


def session_id(request: Request) -> str | None:
    """The cookie value of this request's stored session (None before it is stored)."""
    data = request.scope.get("session")
    return data.session_id if isinstance(data, SessionData) else None


def _changed(data: SessionData) -> bool:
    """Whether the session needs writing: a login (a new or different user) or new values."""
    user = data.get(USER_KEY)
    new_login = data.fresh_login or user != data.loaded.get(USER_KEY)
    return new_login or dict(data) != data.loaded


def _cookie(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is just no session
                return None
            morsel = jar.get(SESSION_COOKIE)
            if morsel is not None and morsel.value:
                return morsel.value[:200]
    return None


class ServerSessionMiddleware:
    """Load the session named by the cookie; store it (and set the cookie) when it changed."""

    def __init__(self, app: ASGIApp, *, https_only: bool = False) -> None:
        self.app = app
        self.https_only = https_only
        self._purged_at = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        services: Services | None = (scope.get("state") or {}).get("services")
        cookie = _cookie(scope)
        path: str = scope.get("path", "")
        if services is None or path.startswith(_NO_SESSION_PREFIXES):
            scope["session"] = SessionData()
            await self.app(scope, receive, send)
            return
        data = await asyncio.to_thread(self._load, services, cookie) if cookie else SessionData()
        scope["session"] = data

        async def send_with_cookie(message: MutableMapping[str, Any]) -> None:
            # Most responses (webhooks, API calls) leave the session as loaded: no thread
            # hop for them, only for a session to write.
            if message["type"] == "http.response.start" and _changed(data):
                header = await asyncio.to_thread(self._store, services, data)
                if header:
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"], (b"set-cookie", header.encode())]
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _load(self, services: Services, cookie: str) -> SessionData:
        now = services.clock.now()
        with services.database.session() as session:
            row = admin.load_session(session, cookie, now=now)
            if row is None:
                return SessionData()
            values = dict(row.data or {})
            values.pop(USER_KEY, None)
            if row.username:
                values[USER_KEY] = row.username
            return SessionData(values, session_id=cookie, expires_at=row.expires_at)

    def _store(self, services: Services, data: SessionData) -> str | None:
        """Write the session if it changed; the Set-Cookie value to send, if any."""
        old_id = data.session_id
        user = data.get(USER_KEY)
        # A different user than the one loaded is a login, whoever set it: new id.
        new_login = data.fresh_login or user != data.loaded.get(USER_KEY)
        if not _changed(data):
            return None
        now = services.clock.now()
        values = {k: v for k, v in data.items() if k != USER_KEY}
        with services.database.session() as session:
            if old_id and (new_login or not data):
                admin.delete_session(session, old_id)
            if not data:  # logged out, or nothing worth keeping
                data.session_id = None
                return self._set_cookie("", 0) if old_id else None
            if old_id and not new_login:
                expires = data.expires_at or now + ANONYMOUS_TTL
                if not user:  # a form session lives on while it is used
                    expires = now + ANONYMOUS_TTL
                kept = admin.save_session(
                    session,
                    old_id,
                    username=user if isinstance(user, str) else None,
                    data=values,
                    now=now,
                    expires_at=expires,
                    create=False,
                )
                # The cookie follows a form session's sliding expiry.
                return self._set_cookie(old_id, int(expires - now)) if kept and not user else None
            new_id = secrets.token_urlsafe(32)
            expires = now + (LOGIN_TTL if user else ANONYMOUS_TTL)
            if now - self._purged_at > _PURGE_EVERY:
                self._purged_at = now
                admin.purge_expired(session, now=now)
            admin.save_session(
                session,
                new_id,
                username=user if isinstance(user, str) else None,
                data=values,
                now=now,
                expires_at=expires,
                create=True,
            )
        data.session_id, data.expires_at = new_id, expires
        return self._set_cookie(new_id, int(expires - now))

    def _set_cookie(self, value: str, max_age: int) -> str:
        parts = [
            f"{SESSION_COOKIE}={value}",
            "Path=/",
            f"Max-Age={max_age}",
            "HttpOnly",
            "SameSite=Lax",
        ]
        if self.https_only:
            parts.append("Secure")
        return "; ".join(parts)
