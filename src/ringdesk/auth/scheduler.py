"""The background token-refresh service (A6): refreshes each connected OAuth2 integration
every `intervalMinutes` (blank = 25, 0 = never)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from ringdesk.auth.tokens import OAuthTokens
from ringdesk.errors import HelpdeskError, RingdeskError
from ringdesk.integrations.contexts import Contexts
from ringdesk.store import integrations as repo
from ringdesk.store.db import Database

__all__ = ["TICK_SECONDS", "refresh_due", "refresh_service"]

TICK_SECONDS = 30.0
_log = logging.getLogger(__name__)


def _candidates(database: Database) -> list[tuple[int, float | None]]:
    with database.session() as session:
        return repo.refresh_candidates(session)


async def refresh_due(
    database: Database, contexts: Contexts, tokens: OAuthTokens, now: float
) -> list[int]:
    """Refresh every integration whose interval has passed; return the ids refreshed."""
    done: list[int] = []
    for integration_id, refreshed_at in await asyncio.to_thread(_candidates, database):
        try:
            ctx = await contexts.load(integration_id)
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
            await tokens.refresh(
                ctx, stale_access=None, reason="schedule", min_age=interval, now=now
            )
        except HelpdeskError as exc:
            _log.warning("%s: scheduled refresh failed: %s", ctx.name, exc)
            continue
        done.append(integration_id)
    return done


async def _loop(database: Database, contexts: Contexts, tokens: OAuthTokens) -> None:
    while True:
        try:
            await refresh_due(database, contexts, tokens, tokens.clock.now())
        except Exception:  # the service must outlive one bad round
            _log.exception("token refresh round failed")
        await asyncio.sleep(TICK_SECONDS)


@contextlib.asynccontextmanager
async def refresh_service(
    database: Database, contexts: Contexts, tokens: OAuthTokens
) -> AsyncIterator[None]:
    """Background service: the refresh schedule for the process's lifetime."""
    task = asyncio.create_task(_loop(database, contexts, tokens), name="ringdesk-token-refresh")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
