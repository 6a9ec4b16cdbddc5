"""`create_app(settings)`: wires the shared services, routers, the web UI and the background
services into one FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from ringdesk import __version__
from ringdesk.api.accesslog import protect_access_log
from ringdesk.api.headers import SecurityHeadersMiddleware
from ringdesk.api.routes import (
    admin,
    agents,
    contacts,
    dashboard,
    events,
    extensions,
    health,
    integrations,
    metrics,
    oauth,
    outbox,
    templates,
    users,
)
from ringdesk.api.routes import settings as settings_routes
from ringdesk.config import Settings
from ringdesk.errors import TemplateError
from ringdesk.runtime import background, start_services
from ringdesk.services import Services
from ringdesk.store.templates import seed_builtin_safely
from ringdesk.web import mount as mount_web

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"
# The API documentation pages (served by the web package): Swagger UI and ReDoc set inline
# styles, and ReDoc's search runs in a blob: worker.
API_DOCS_PATHS = ("/docs", "/redoc")

# Routers under /api/v1, one per resource (api.md). Events first: requests are matched
# against the routes in order, and the PBX's events are by far the most frequent.
API_ROUTERS = (
    events.router,
    templates.router,
    extensions.router,
    integrations.router,
    oauth.router,
    users.router,
    contacts.router,
    agents.router,
    outbox.router,
    metrics.router,
    settings_routes.router,
    dashboard.router,
    admin.router,
)


def _operation_id(route: APIRoute) -> str:
    # Stable, readable OpenAPI operation ids: "<tag>-<function name>".
    tag = str(route.tags[0]) if route.tags else "ringdesk"
    return f"{tag}-{route.name}"


async def _template_error(_request: Request, exc: Exception) -> JSONResponse:
    """A template that cannot be loaded or used is the admin's to fix, never a server
    fault: 422 with where it breaks (the routes that expect one say so themselves)."""
    assert isinstance(exc, TemplateError)  # noqa: S101  (registered for TemplateError only)
    detail = {"message": exc.message, "field": exc.field, "line": exc.line, "column": exc.column}
    return JSONResponse({"detail": detail}, status_code=422)


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """Build the application. Nothing is read from the environment before this is called,
    and nothing connects anywhere before the app starts. `services` (tests) replaces the
    ones built from `settings`; the app closes them when it stops either way."""
    settings = services.settings if services is not None else (settings or Settings())
    shared = services if services is not None else start_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Services]]:
        protect_access_log()  # again: the server may have configured logging since
        seed_builtin_safely(shared.database)  # built-in templates are listed at once
        try:
            async with AsyncExitStack() as stack:
                if settings.run_workers:
                    await stack.enter_async_context(background(shared))
                yield {"services": shared}
        finally:
            await shared.aclose()

    app = FastAPI(
        title="ringdesk",
        version=__version__,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        # /docs and /redoc are served by the web package from its own static files:
        # FastAPI's pages load them from a CDN and are blank offline.
        docs_url=None,
        redoc_url=None,
    )
    app.add_exception_handler(TemplateError, _template_error)
    app.include_router(health.router)
    app.include_router(metrics.root_router)
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    mount_web(app, settings)
    # Added last, so it runs first and covers every response, errors included.
    app.add_middleware(
        SecurityHeadersMiddleware,
        docs_paths=API_DOCS_PATHS,
    )
    protect_access_log()
    return app
