"""Long-lived parts of a running service, built once per app: the HTTP executor, the
screen-pop hub, and the background services started by the app's lifespan.

Each background service is an async context manager factory taking the app: it starts its
task on enter and stops it on exit. Tests build the app with `run_workers=False` and drive
the same code directly.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI

from ringdesk.config import Settings
from ringdesk.store.db import Database

__all__ = ["BACKGROUND_SERVICES", "build_state"]

BackgroundService = Callable[[FastAPI], AbstractAsyncContextManager[Any]]

# Filled in by the subsystems: token refresh scheduler, outbox workers, AMI listener.
BACKGROUND_SERVICES: list[BackgroundService] = []


def _events_services() -> list[BackgroundService]:
    # AMI listener (only when `ami_url` is set) and the PostgreSQL screen-pop relay.
    from ringdesk.events.ami import ami_service
    from ringdesk.screenpop.relay import relay_service

    return [ami_service, relay_service]


BACKGROUND_SERVICES.extend(_events_services())


def _outbox_services() -> list[BackgroundService]:
    # The outbox worker: delivers call logs, tickets and created contacts (L3).
    from ringdesk.outbox.worker import outbox_service

    return [outbox_service]


BACKGROUND_SERVICES.extend(_outbox_services())


def _auth_services() -> list[BackgroundService]:
    # The OAuth2 token refresh scheduler (A6).
    from ringdesk.auth.scheduler import refresh_service

    return [refresh_service]


BACKGROUND_SERVICES.extend(_auth_services())


def _contact_services() -> list[BackgroundService]:
    # The periodic contact sync into the local phonebook (C8).
    from ringdesk.flows.phonebook import phonebook_service

    return [phonebook_service]


BACKGROUND_SERVICES.extend(_contact_services())


class _NoExecutor:
    async def aclose(self) -> None:
        return None


def build_state(app: FastAPI, settings: Settings, database: Database) -> None:
    """Attach the shared services to `app.state` (executor, hub, crypto...)."""
    from ringdesk.http.client import Executor
    from ringdesk.store.crypto import SecretBox

    app.state.crypto = SecretBox(settings.resolved_secret_key())
    app.state.executor = Executor(settings, database, state=app.state)
    from ringdesk.store.templates_repo import seed_builtin_safely

    seed_builtin_safely(database)  # built-in templates are there from the first request
    from ringdesk.metrics import Metrics
    from ringdesk.screenpop.hub import Hub

    app.state.hub = Hub()
    app.state.metrics = Metrics()
