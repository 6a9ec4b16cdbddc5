"""Admin web UI and the agent screen-pop page (server-rendered, Jinja2, no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from ringdesk.config import Settings
from ringdesk.web.auth import CsrfMiddleware, LoginRequired, login_redirect, session_secret

__all__ = ["mount"]

SESSION_COOKIE = "ringdesk_session"
SESSION_MAX_AGE = 12 * 3600


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the UI routes, static assets, the session cookie and the CSRF guard to `app`."""
    from ringdesk.web import auth
    from ringdesk.web.views import (
        agent,
        dashboard,
        integrations,
        pages,
        site,
        template_editor,
        templates,
    )
    from ringdesk.web.views import (
        settings as settings_views,
    )

    # Middleware added last runs first: the session must be decoded before the CSRF check.
    app.add_middleware(CsrfMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.public_url.startswith("https://"),
    )

    async def _to_login(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, LoginRequired):  # registered for LoginRequired only
            raise exc
        return login_redirect(exc.next_url)

    app.add_exception_handler(LoginRequired, _to_login)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    routers = (
        site.router,
        auth.router,
        templates.router,
        template_editor.router,
        integrations.router,
        pages.router,
        dashboard.router,
        settings_views.router,
        agent.router,
    )
    for router in routers:
        app.include_router(router)
