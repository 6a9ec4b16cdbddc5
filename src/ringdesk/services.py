"""Long-lived parts of a running service, built once per app: the HTTP executor, the
screen-pop hub, metrics, secret encryption, and the background services started by the
app's lifespan.

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

__all__ = ["BackgroundService", "background_services", "build_state", "start"]

BackgroundService = Callable[[FastAPI], AbstractAsyncContextManager[Any]]


def background_services() -> list[BackgroundService]:
    """The services a running ringdesk keeps going, in start order."""
    # Imported here: these modules import the API layer's dependencies in turn.
    from ringdesk.auth.scheduler import refresh_service
    from ringdesk.events.ami import ami_service
    from ringdesk.flows.phonebook import phonebook_service
    from ringdesk.outbox.worker import outbox_service
    from ringdesk.screenpop.relay import relay_service

    return [
        ami_service,  # Asterisk AMI listener, only when `ami_url` is set (I2)
        relay_service,  # screen pops across processes on PostgreSQL (C9)
        outbox_service,  # call logs, tickets, created contacts (L3)
        refresh_service,  # OAuth2 token refresh schedule (A6)
        phonebook_service,  # periodic contact sync into the local phonebook (C8)
    ]


def build_state(app: FastAPI, settings: Settings, database: Database) -> None:
    """Attach the shared services to `app.state`; no I/O happens here."""
    from ringdesk.http.client import Executor
    from ringdesk.metrics import Metrics
    from ringdesk.screenpop.hub import Hub
    from ringdesk.store.crypto import SecretBox

    app.state.settings = settings
    app.state.db = database
    app.state.crypto = SecretBox(settings.resolved_secret_key())
    app.state.executor = Executor(settings, database, state=app.state)
    app.state.hub = Hub()
    app.state.metrics = Metrics()


def start(database: Database) -> None:
    """Work due once when the service starts, before the first request."""
    from ringdesk.store.templates_repo import seed_builtin_safely

    seed_builtin_safely(database)  # built-in templates are listed from the first request
