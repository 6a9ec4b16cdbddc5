"""`create_app(settings)`: wires settings, database, routers and background workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from ringdesk import __version__
from ringdesk.api.routes import (
    agents,
    contacts,
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
from ringdesk.config import Settings
from ringdesk.events.intake import drain as drain_live_work
from ringdesk.services import background_services, build_state, start
from ringdesk.store.db import Database

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"

# Routers under /api/v1, one per resource (api.md).
API_ROUTERS = (
    templates.router,
    extensions.router,
    integrations.router,
    oauth.router,
    users.router,
    contacts.router,
    events.router,
    agents.router,
    outbox.router,
    metrics.router,
)


def _operation_id(route: APIRoute) -> str:
    # Stable, readable OpenAPI operation ids: "<tag>-<function name>".
    tag = str(route.tags[0]) if route.tags else "ringdesk"
    return f"{tag}-{route.name}"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application. Nothing is read from the environment before this is called."""
    settings = settings or Settings()
    database = Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        start(database)
        async with AsyncExitStack() as stack:
            if settings.run_workers:
                for service in background_services():
                    await stack.enter_async_context(service(app))
            yield
            await drain_live_work()
            await app.state.executor.aclose()
        database.dispose()

    app = FastAPI(
        title="ringdesk",
        version=__version__,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    build_state(app, settings, database)
    app.include_router(health.router)
    app.include_router(metrics.root_router)
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    from ringdesk.web import mount as mount_web

    mount_web(app)
    return app
