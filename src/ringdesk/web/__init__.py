"""Admin web UI and the agent screen-pop page (server-rendered, Jinja2, no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from ringdesk.config import Settings
from ringdesk.web.auth import LoginRequired, login_redirect
from ringdesk.web.sessions import ServerSessionMiddleware

__all__ = ["mount"]


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the UI routes, static assets and the server-side session to `app` (the REST API
    checks the CSRF token of cookie-authorised calls in `api.deps.require_admin`)."""
    from ringdesk.web import auth
    from ringdesk.web.views import (
        account,
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

    app.add_middleware(
        ServerSessionMiddleware, https_only=settings.public_url.startswith("https://")
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
        account.router,
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
