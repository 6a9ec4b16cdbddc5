"""The composition root: `Services`, everything long-lived a running ringdesk shares, built
once by `build_services(settings)` and passed explicitly to the API, the flows, event intake
and the workers (never looked up on `app.state`).

Nothing here does I/O at build time: the database engine connects lazily, the HTTP pool
opens on first use. `aclose()` flushes the request log and closes both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx

from ringdesk.auth.tokens import OAuthTokens, credentials_for
from ringdesk.clock import Clock, SystemClock
from ringdesk.config import Settings
from ringdesk.http.client import Exchange, Executor, HelpdeskResponse
from ringdesk.http.credentials import NO_CREDENTIALS, Credentials
from ringdesk.http.limits import ConcurrencyLimiter
from ringdesk.http.request import HelpdeskRequest
from ringdesk.http.requestlog import RequestLog
from ringdesk.integrations.context import IntegrationContext
from ringdesk.integrations.contexts import Contexts
from ringdesk.metrics import Metrics
from ringdesk.retry import INLINE_RETRY, RetryPolicy
from ringdesk.screenpop.hub import Hub
from ringdesk.store.crypto import SecretBox
from ringdesk.store.db import Database

__all__ = ["Services", "TaskSet", "build_services"]


@dataclass
class TaskSet:
    """Background tasks that must finish (or be cancelled) before the database closes;
    asyncio keeps only weak references to tasks, so they are held here."""

    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def spawn(self, coroutine: Coroutine[Any, Any, None], *, name: str = "") -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coroutine, name=name or None)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def drain(self, grace_seconds: float = 10.0) -> None:
        """Let this loop's tasks finish, cancelling what still runs after `grace_seconds`."""
        loop = asyncio.get_running_loop()
        running = {task for task in self.tasks if task.get_loop() is loop}
        if not running:
            return
        _done, pending = await asyncio.wait(running, timeout=grace_seconds)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1.0)


@dataclass(frozen=True, eq=False)
class Services:
    """Everything long-lived, typed. One per process (or per test)."""

    settings: Settings
    database: Database
    crypto: SecretBox
    executor: Executor
    tokens: OAuthTokens
    contexts: Contexts
    hub: Hub
    metrics: Metrics
    clock: Clock
    tasks: TaskSet

    def credentials(self, ctx: IntegrationContext) -> Credentials:
        """How `ctx`'s scenario requests are authenticated (A4–A8)."""
        return credentials_for(ctx, self.tokens)

    async def send(
        self,
        ctx: IntegrationContext,
        request: HelpdeskRequest,
        *,
        scenario: str,
        authenticated: bool = True,
        capture: list[Exchange] | None = None,
    ) -> HelpdeskResponse:
        """Send a rendered request for `ctx`, with its credentials unless `authenticated`
        is False (token requests)."""
        credentials = self.credentials(ctx) if authenticated else NO_CREDENTIALS
        return await self.executor.send(
            ctx, request, scenario=scenario, credentials=credentials, capture=capture
        )

    async def aclose(self) -> None:
        """Finish background tasks, flush the request log, close the HTTP pool and the
        database."""
        await self.tasks.drain()
        await self.executor.aclose()
        self.database.dispose()


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    retry: RetryPolicy = INLINE_RETRY,
    transport: httpx.AsyncBaseTransport | None = None,
    metrics: Metrics | None = None,
    timeout: float = 30.0,
) -> Services:
    """Build every shared service from `settings` (no I/O happens here)."""
    clock = clock or SystemClock()
    database = Database(settings.database_url)
    crypto = SecretBox(settings.resolved_secret_key())
    metrics = metrics or Metrics()
    executor = Executor(
        settings,
        request_log=RequestLog(database, retention=settings.request_log_retention),
        limiter=ConcurrencyLimiter(database),
        metrics=metrics,
        clock=clock,
        retry=retry,
        transport=transport,
        timeout=timeout,
    )
    return Services(
        settings=settings,
        database=database,
        crypto=crypto,
        executor=executor,
        tokens=OAuthTokens(database, crypto, executor, clock=clock, metrics=metrics),
        contexts=Contexts(database, crypto, settings.public_url),
        hub=Hub(),
        metrics=metrics,
        clock=clock,
        tasks=TaskSet(),
    )
