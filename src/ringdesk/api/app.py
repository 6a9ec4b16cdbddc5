"""`create_app(settings)`: wires settings, database, routers and background workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from ringdesk import __version__
from ringdesk.api.routes import health
from ringdesk.config import Settings
from ringdesk.store.db import Database

__all__ = ["create_app"]

API_PREFIX = "/api/v1"


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
        yield
        database.dispose()

    app = FastAPI(
        title="ringdesk",
        version=__version__,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.db = database
    app.include_router(health.router)
    return app
