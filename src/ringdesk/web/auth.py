"""Admin UI accounts and sessions: argon2 password hashes, the signed session cookie,
per-session CSRF tokens, first-run setup, login and logout (I5)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ringdesk.config import Settings
from ringdesk.store import admin
from ringdesk.store.db import Database, Session

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "CsrfMiddleware",
    "LoginRequired",
    "admin_count",
    "check_csrf",
    "create_admin_user",
    "csrf_token",
    "current_admin",
    "hash_password",
    "router",
    "session_secret",
    "verify_password",
]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_USER = "admin_user"
SESSION_CSRF = "csrf"
MIN_PASSWORD = 8
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): strong, and quick enough that a
# login does not stall a small server.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)

router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    """Raised by `current_admin` when no admin is logged in; becomes a redirect to login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def session_secret(settings: Settings) -> str:
    """The session-cookie signing key, derived from (never equal to) the secrets key."""
    key = settings.resolved_secret_key().encode()
    return hmac.new(key, b"ringdesk admin session v1", hashlib.sha256).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def admin_count(session: Session) -> int:
    return admin.count_users(session)


def create_admin_user(session: Session, username: str, password: str) -> None:
    """Store a new admin; raises ValueError for a bad name, short password or duplicate."""
    username = username.strip()
    if not username or len(username) > 100:
        raise ValueError("username is required (at most 100 characters)")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password must have at least {MIN_PASSWORD} characters")
    if admin.get_user(session, username) is not None:
        raise ValueError(f"user {username!r} already exists")
    admin.add_user(session, username, hash_password(password))


def _authenticate(session: Session, username: str, password: str) -> bool:
    user = admin.get_user(session, username.strip())
    if user is None:
        # Spend the same time as a real check so usernames cannot be probed by timing.
        verify_password(_dummy_hash(), password)
        return False
    return verify_password(user.password_hash, password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not a real password")


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    session: MutableMapping[str, Any] = request.session
    token = session.get(SESSION_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_CSRF] = token
    return token


def _token_matches(scope_session: MutableMapping[str, Any], supplied: str | None) -> bool:
    expected = scope_session.get(SESSION_CSRF)
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
    if not _token_matches(request.session, supplied):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong")


def current_admin(request: Request) -> str:
    """The logged-in admin's username, or `LoginRequired` (→ redirect to the login page)."""
    user = request.session.get(SESSION_USER)
    if not isinstance(user, str) or not user:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return user


def _db(request: Request) -> Database:
    from ringdesk.web.render import services_of

    return services_of(request).database


def _safe_next(value: str | None) -> str:
    # Only local paths: never redirect a freshly logged-in admin to another site.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/admin/"


def _page(request: Request, name: str, **context: Any) -> Response:
    from ringdesk.web.render import render

    return render(request, name, **context)


@router.get("/admin/setup")
def setup_page(request: Request) -> Response:
    with _db(request).session() as session:
        if admin_count(session):
            return _page(request, "setup.html", closed=True, status_code=403)
    return _page(request, "setup.html", closed=False)


@router.post("/admin/setup")
async def setup_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    password_again: str = Form(""),
) -> Response:
    await check_csrf(request)
    with _db(request).session() as session:
        if admin_count(session):
            return _page(request, "setup.html", closed=True, status_code=403)
        error = None
        if password != password_again:
            error = "the two passwords differ"
        else:
            try:
                create_admin_user(session, username, password)
            except ValueError as exc:
                error = str(exc)
        if error:
            return _page(
                request,
                "setup.html",
                closed=False,
                error=error,
                username=username,
                status_code=422,
            )
    _log_in(request, username.strip())
    return RedirectResponse("/admin/", status_code=303)


def _log_in(request: Request, username: str) -> None:
    # A new session on login: drop anything (and any token) set before authentication.
    request.session.clear()
    request.session[SESSION_USER] = username
    csrf_token(request)


@router.get("/admin/login")
def login_page(request: Request, next: str | None = None) -> Response:
    with _db(request).session() as session:
        if not admin_count(session):
            return RedirectResponse("/admin/setup", status_code=303)
    return _page(request, "login.html", next=_safe_next(next))


@router.post("/admin/login")
async def login_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/admin/"),
) -> Response:
    await check_csrf(request)
    with _db(request).session() as session:
        ok = _authenticate(session, username, password)
    if not ok:
        return _page(
            request,
            "login.html",
            next=_safe_next(next),
            username=username,
            error="wrong username or password",
            status_code=401,
        )
    _log_in(request, username.strip())
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/admin/logout")
async def logout(request: Request) -> Response:
    await check_csrf(request)
    request.session.clear()
    return RedirectResponse("/admin/login", status_code=303)


def login_redirect(next_url: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/login?next={quote(next_url)}", status_code=303)


ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


class CsrfMiddleware:
    """Guard the REST API when it is authorised by the admin session cookie.

    A bearer-token call is not forgeable by another site, so it passes; an unsafe request that
    rides on the session cookie must carry the session's token in `X-CSRF-Token`. The UI's
    own form routes check the form field themselves (`check_csrf`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            path: str = scope["path"]
            session = scope.get("session") or {}
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            by_cookie = session.get(SESSION_USER) and not headers.get("authorization")
            if (
                path.startswith("/api/")
                and by_cookie
                and not _token_matches(session, headers.get(CSRF_HEADER))
            ):
                response = Response(
                    '{"detail":"CSRF token missing or wrong"}',
                    status_code=403,
                    media_type="application/json",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
