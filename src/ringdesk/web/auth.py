"""Admin UI sign-in (I5): first-run setup with a one-time code, login with throttling,
logout, and the change-password page; per-session CSRF tokens for every form.

Accounts and password rules are `web.accounts`, sessions `web.sessions`, throttling
`web.throttle`, setup codes `web.setup`. The REST API checks the CSRF token of requests that
ride on the session cookie in `api.deps.require_admin`.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ringdesk.services import Services
from ringdesk.store import admin
from ringdesk.store.db import Session
from ringdesk.web.accounts import (
    MIN_PASSWORD,
    authenticate,
    create_admin_user,
    hash_password,
    verify_password,
)
from ringdesk.web.csrf import check_csrf, csrf_token
from ringdesk.web.render import render, services_of
from ringdesk.web.sessions import USER_KEY, start_login
from ringdesk.web.throttle import LoginThrottle

__all__ = [
    "LoginRequired",
    "admin_count",
    "create_admin_user",
    "current_admin",
    "hash_password",
    "login_redirect",
    "router",
    "verify_password",
]

SESSION_USER = USER_KEY

router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    """Raised by `current_admin` when no admin is logged in; becomes a redirect to login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def admin_count(session: Session) -> int:
    return admin.count_users(session)


def current_admin(request: Request) -> str:
    """The logged-in admin's username, or `LoginRequired` (→ redirect to the login page)."""
    user = request.session.get(SESSION_USER)
    if not isinstance(user, str) or not user:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return user


def _services(request: Request) -> Services:
    return services_of(request)


def _safe_next(value: str | None) -> str:
    # Only local paths: never redirect a freshly logged-in admin to another site.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/admin/"


def _page(request: Request, name: str, **context: Any) -> Response:
    return render(request, name, **context)


# -- first-run setup --------------------------------------------------------------------------


def _setup_state(services: Services, code: str) -> str:
    """ "closed" (an admin exists), "no-code" (missing, wrong, used or expired) or "open"."""
    now = services.clock.now()
    with services.database.session() as session:
        if not admin.setup_open(session, now=now):
            return "closed"
        if not code or not admin.setup_code_live(session, code, now=now):
            return "no-code"
    return "open"


def _setup_refused(request: Request, state: str) -> Response:
    return _page(request, "setup.html", state=state, status_code=403)


@router.get("/admin/setup")
def setup_page(request: Request, code: str = "") -> Response:
    state = _setup_state(_services(request), code)
    if state != "open":
        return _setup_refused(request, state)
    return _page(request, "setup.html", state=state, code=code, min_password=MIN_PASSWORD)


def _create_first_admin(services: Services, code: str, username: str, password: str) -> str:
    """Create the first admin with a live code, atomically: the code is spent only with a
    user created. Returns "" or the refusal state; raises ValueError for a bad input."""
    now = services.clock.now()
    with services.database.session() as session:
        if not admin.setup_open(session, now=now):
            return "closed"
        if not code or not admin.use_setup_code(session, code, now=now):
            return "no-code"
        # A ValueError (bad name, weak password) rolls back the spent code with it.
        create_admin_user(session, username, password)
    return ""


@router.post("/admin/setup")
async def setup_submit(
    request: Request,
    code: str = Form(""),
    username: str = Form(""),
    password: str = Form(""),
    password_again: str = Form(""),
) -> Response:
    await check_csrf(request)
    services = _services(request)
    error = "the two passwords differ" if password != password_again else None
    if error is None:
        try:
            refused = await asyncio.to_thread(
                _create_first_admin, services, code, username, password
            )
        except ValueError as exc:
            error = str(exc)
        else:
            if refused:
                return _setup_refused(request, refused)
    if error:
        state = await asyncio.to_thread(_setup_state, services, code)
        if state != "open":
            return _setup_refused(request, state)
        return _page(
            request,
            "setup.html",
            state=state,
            code=code,
            min_password=MIN_PASSWORD,
            error=error,
            username=username,
            status_code=422,
        )
    start_login(request, username.strip())
    csrf_token(request)
    return RedirectResponse("/admin/", status_code=303)


# -- login and logout -------------------------------------------------------------------------


def _throttle(services: Services) -> LoginThrottle:
    settings = services.settings
    return LoginThrottle(
        services.database,
        services.clock,
        per_account=settings.login_limits_account,
        per_address=settings.login_limits_address,
    )


@router.get("/admin/login")
def login_page(request: Request, next: str | None = None) -> Response:
    services = _services(request)
    with services.database.session() as session:
        if admin.setup_open(session, now=services.clock.now()):
            return RedirectResponse("/admin/setup", status_code=303)
    return _page(request, "login.html", next=_safe_next(next))


def _try_login(services: Services, username: str, password: str, address: str) -> float | bool:
    """True (logged in), False (wrong), or the seconds to wait before trying again."""
    throttle = _throttle(services)
    wait = throttle.wait_seconds(username, address)
    if wait > 0:
        return wait
    with services.database.session() as session:
        ok = authenticate(session, username, password)
    if ok:
        throttle.succeeded(username)
    else:
        throttle.failed(username, address)
    return ok


@router.post("/admin/login")
async def login_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/admin/"),
) -> Response:
    await check_csrf(request)
    address = request.client.host if request.client else ""
    outcome = await asyncio.to_thread(_try_login, _services(request), username, password, address)
    if outcome is True:
        start_login(request, username.strip())
        csrf_token(request)
        return RedirectResponse(_safe_next(next), status_code=303)
    if outcome is False:
        error, status, headers = "wrong username or password", 401, {}
    else:
        seconds = max(1, math.ceil(float(outcome)))
        error = (
            "too many failed logins for this account or from this address; "
            f"try again in {_duration(seconds)}"
        )
        status, headers = 429, {"Retry-After": str(seconds)}
    response = _page(
        request,
        "login.html",
        next=_safe_next(next),
        username=username,
        error=error,
        status_code=status,
    )
    response.headers.update(headers)
    return response


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


@router.post("/admin/logout")
async def logout(request: Request) -> Response:
    await check_csrf(request)
    request.session.clear()  # the stored session is deleted with it
    return RedirectResponse("/admin/login", status_code=303)


def login_redirect(next_url: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/login?next={quote(next_url)}", status_code=303)
