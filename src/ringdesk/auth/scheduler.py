"""The background token-refresh service (A6): refreshes each connected OAuth2 integration
every `intervalMinutes` (blank = 25, 0 = never)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from ringdesk.auth.refresh import refresh_tokens
from ringdesk.errors import PeerError, RingdeskError
from ringdesk.integrations.context import load_context
from ringdesk.store.tables import Integration

__all__ = ["TICK_SECONDS", "refresh_due", "refresh_service"]

TICK_SECONDS = 30.0
_log = logging.getLogger(__name__)


def _candidates(state: Any) -> list[tuple[int, float | None]]:
    with state.db.session() as session:
        rows = session.execute(
            select(Integration.id, Integration.token_refreshed_at).where(
                Integration.status == "connected"
            )
        )
        return [(int(i), t) for i, t in rows]


async def refresh_due(state: Any, now: float) -> list[int]:
    """Refresh every integration whose interval has passed; return the ids refreshed."""
    done: list[int] = []
    for integration_id, refreshed_at in await asyncio.to_thread(_candidates, state):
        try:
            ctx = await load_context(state, integration_id)
        except (LookupError, RingdeskError, ValueError) as exc:
            _log.warning("integration %s: cannot load for refresh: %s", integration_id, exc)
            continue
        oauth = ctx.template.authentication.oauth2
        if ctx.auth_method != "oauth2" or oauth is None:
            continue
        interval = (
            oauth.refresh.effective_interval_minutes if oauth.refresh is not None else 25
        ) * 60.0
        if interval <= 0:
            continue
        if refreshed_at is not None and now - refreshed_at < interval:
            continue
        try:
            await refresh_tokens(
                state.executor,
                ctx,
                stale_access=None,
                reason="schedule",
                min_age=interval,
                now=now,
            )
        except PeerError as exc:
            _log.warning("%s: scheduled refresh failed: %s", ctx.name, exc)
            continue
        done.append(integration_id)
    return done


async def _loop(state: Any) -> None:
    while True:
        try:
            await refresh_due(state, state.executor.clock.now())
        except Exception:  # the service must outlive one bad round
            _log.exception("token refresh round failed")
        await asyncio.sleep(TICK_SECONDS)


@contextlib.asynccontextmanager
async def refresh_service(app: FastAPI) -> AsyncIterator[None]:
    """Background service (see `services.background_services`)."""
    task = asyncio.create_task(_loop(app.state), name="ringdesk-token-refresh")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
