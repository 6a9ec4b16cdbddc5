"""How a ringdesk process runs: `start_services` builds the shared services and wires the
flows into them (token refreshes fire their follow-ups); `background` runs the services a
process keeps going (AMI listener, screen-pop relay, outbox worker, token refresh schedule,
phonebook sync). Used by `ringdesk serve`, the stand-alone outbox worker and the CLI.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from ringdesk.auth.scheduler import refresh_service
from ringdesk.config import Settings
from ringdesk.events.ami import ami_service
from ringdesk.events.model import CallEvent
from ringdesk.flows.followup import after_token_refresh
from ringdesk.flows.intake import accept
from ringdesk.flows.jobs import job_kinds
from ringdesk.flows.phonebook import phonebook_service
from ringdesk.integrations.context import IntegrationContext
from ringdesk.outbox.worker import OutboxWorker
from ringdesk.screenpop.relay import relay_service
from ringdesk.services import Services, build_services

__all__ = ["background", "outbox_worker", "start_services"]


def start_services(settings: Settings, **options: Any) -> Services:
    """`build_services` plus the flows' hooks: `options` go to `build_services`."""
    services = build_services(settings, **options)

    async def refreshed(ctx: IntegrationContext) -> None:
        await after_token_refresh(services, ctx)

    services.tokens.on_refreshed(refreshed)
    return services


def outbox_worker(services: Services, **options: Any) -> OutboxWorker:
    """A worker delivering ringdesk's job kinds (`options` go to `OutboxWorker`)."""
    return OutboxWorker(services, job_kinds(services), **options)


@asynccontextmanager
async def _worker(services: Services) -> AsyncIterator[OutboxWorker]:
    import asyncio

    worker = outbox_worker(services)
    task = asyncio.create_task(worker.run(), name="ringdesk-outbox")
    try:
        yield worker
    finally:
        worker.stop()
        await task


@asynccontextmanager
async def background(services: Services) -> AsyncIterator[None]:
    """Run the background services for the block's duration, stopped in reverse order."""

    async def ami_sink(event: CallEvent) -> None:
        await accept(services, event, source="ami")

    async with AsyncExitStack() as stack:
        # Asterisk AMI listener, only when `ami_url` is set (I2)
        await stack.enter_async_context(ami_service(services.settings.ami_url, ami_sink))
        # screen pops across processes on PostgreSQL (C9)
        await stack.enter_async_context(relay_service(services.hub, services.database))
        # call logs, tickets, created contacts (L3)
        await stack.enter_async_context(_worker(services))
        # OAuth2 token refresh schedule (A6)
        await stack.enter_async_context(
            refresh_service(services.database, services.contexts, services.tokens)
        )
        # periodic contact sync into the local phonebook (C8)
        await stack.enter_async_context(phonebook_service(services))
        yield
