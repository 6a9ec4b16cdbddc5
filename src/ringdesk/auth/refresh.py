"""OAuth2 token refresh (A6, A8): serialised per integration by a database lock (a row
lock on PostgreSQL, so it holds across processes; the process lock on SQLite), the token
re-read after the lock (someone may have refreshed meanwhile), a rotated refresh token
committed before the new access token is used, and `needs_reconnect` when the helpdesk
refuses.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringdesk.auth.oauth2 import TokenError, parse_token_response, refresh_request
from ringdesk.errors import PeerError
from ringdesk.http.redact import Redactor
from ringdesk.integrations.context import IntegrationContext
from ringdesk.store.tables import Integration

__all__ = [
    "EXPIRY_MARGIN_SECONDS",
    "TokenState",
    "current_access_token",
    "mark_needs_reconnect",
    "refresh_tokens",
]

EXPIRY_MARGIN_SECONDS = 60.0
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenState:
    """The newest tokens of one integration known to this process."""

    access_token: str
    refresh_token: str
    expires_at: float | None
    refreshed_at: float


def _expiring(expires_at: float | None, now: float) -> bool:
    return expires_at is not None and expires_at - now < EXPIRY_MARGIN_SECONDS


def _locks(executor: Any) -> dict[int, asyncio.Lock]:
    locks: dict[int, asyncio.Lock] | None = getattr(executor, "_refresh_locks", None)
    if locks is None:
        locks = {}
        executor._refresh_locks = locks
    return locks


async def current_access_token(executor: Any, ctx: IntegrationContext) -> str:
    """The access token to send now; refreshed first when it expires within a minute."""
    known: TokenState | None = executor.tokens.get(ctx.integration_id)
    if known is not None and known.refreshed_at >= (ctx.token_refreshed_at or 0.0):
        access, expires_at = known.access_token, known.expires_at
    else:
        access, expires_at = ctx.variables.get("AccessToken", ""), ctx.token_expires_at
    if _expiring(expires_at, executor.clock.now()):
        return await refresh_tokens(executor, ctx, stale_access=access, reason="expiry")
    return access


def _lock_row(session: Session, integration_id: int) -> Integration | None:
    query = select(Integration).where(Integration.id == integration_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).first()


def mark_needs_reconnect(
    session: Session, row: Integration, message: str, ctx: IntegrationContext, state: Any
) -> None:
    """A8: flag the integration, keep the (redacted) reason, count the failure (I8)."""
    row.status = "needs_reconnect"
    row.status_message = message[:1000]
    metrics = getattr(state, "metrics", None) if state is not None else None
    counter = getattr(metrics, "token_refresh_failures", None)
    if counter is not None:
        counter.labels(helpdesk=ctx.template_id).inc()


async def refresh_tokens(
    executor: Any,
    ctx: IntegrationContext,
    *,
    stale_access: str | None,
    reason: str,
    min_age: float | None = None,
    now: float | None = None,
) -> str:
    """Refresh the tokens of `ctx`'s integration and return the access token to use.

    `stale_access` is the token the caller found wanting: when the stored one differs
    (another task or process refreshed), that one is returned without asking the
    helpdesk. `min_age` (scheduled refreshes): skip when refreshed more recently than
    that before `now` (default: the executor's clock).
    Raises `PeerError(retryable=True)` on failure, so queued work waits.
    """
    oauth = ctx.template.authentication.oauth2
    if oauth is None:
        raise PeerError(f"{ctx.name}: the template has no OAuth2 section", retryable=False)
    async with _locks(executor).setdefault(ctx.integration_id, asyncio.Lock()):
        return await _refresh_locked(executor, ctx, stale_access, reason, min_age, now)


async def _refresh_locked(
    executor: Any,
    ctx: IntegrationContext,
    stale_access: str | None,
    reason: str,
    min_age: float | None,
    at: float | None,
) -> str:
    from ringdesk.http.client import HelpdeskError

    oauth = ctx.template.authentication.oauth2
    assert oauth is not None  # noqa: S101  (checked by the caller)
    crypto = executor.state.crypto
    session: Session = executor.db.sessions()
    try:
        session.begin()
        row = await asyncio.to_thread(_lock_row, session, ctx.integration_id)
        if row is None:
            raise PeerError(f"integration {ctx.integration_id} is gone", retryable=False)
        now = executor.clock.now() if at is None else at
        secrets = crypto.decrypt(row.secrets)
        stored = TokenState(
            access_token=secrets.get("AccessToken", ""),
            refresh_token=secrets.get("RefreshToken", ""),
            expires_at=row.token_expires_at,
            refreshed_at=row.token_refreshed_at or 0.0,
        )
        fresh_enough = (
            min_age is not None
            and row.token_refreshed_at is not None
            and now - row.token_refreshed_at < min_age
        )
        someone_else = (
            stale_access is not None
            and stored.access_token
            and stored.access_token != stale_access
            and not _expiring(stored.expires_at, now)
        )
        if row.status == "needs_reconnect":
            session.rollback()
            raise PeerError(f"{ctx.name}: the integration needs to be reconnected", retryable=True)
        if fresh_enough or someone_else:
            session.rollback()
            executor.tokens[ctx.integration_id] = stored
            return stored.access_token
        variables = {**ctx.variables, **{k: str(v) for k, v in secrets.items()}}
        request = refresh_request(oauth, variables)
        redactor = Redactor({*ctx.secret_values, *(str(v) for v in secrets.values() if v)})
        try:
            response = await executor.request(
                ctx,
                scenario="token_refresh",
                method=request.method,
                url=request.url,
                body=request.body,
                content_type=request.content_type,
                apply_auth=False,
                apply_custom_headers=False,
            )
            result = parse_token_response(response.text)
        except (HelpdeskError, TokenError) as exc:
            if isinstance(exc, HelpdeskError) and exc.retryable:
                session.rollback()
                raise PeerError(
                    f"{ctx.name}: token refresh failed: {exc}", retryable=True
                ) from None
            message = redactor.text(f"token refresh failed: {exc}")
            mark_needs_reconnect(session, row, message, ctx, executor.state)
            await asyncio.to_thread(session.commit)
            _log.warning("%s: %s", ctx.name, message)
            raise PeerError(f"{ctx.name}: {message}", retryable=True) from None
        except PeerError:
            session.rollback()
            raise
        # A6: the rotated refresh token is committed before the new access token is used.
        secrets["AccessToken"] = result.access_token
        if result.refresh_token:
            secrets["RefreshToken"] = result.refresh_token
        row.secrets = crypto.encrypt(secrets)
        row.token_expires_at = now + result.expires_in if result.expires_in else None
        row.token_refreshed_at = now
        row.status_message = None
        await asyncio.to_thread(session.commit)
    finally:
        session.close()
    executor.tokens[ctx.integration_id] = TokenState(
        access_token=result.access_token,
        refresh_token=secrets.get("RefreshToken", ""),
        expires_at=row.token_expires_at,
        refreshed_at=now,
    )
    _log.info("%s: tokens refreshed (%s)", ctx.name, reason)
    await _after_refresh(executor, ctx)
    return result.access_token


async def _after_refresh(executor: Any, ctx: IntegrationContext) -> None:
    """Fire `token_refreshed` follow-ups (F2) with the new tokens; their failure is logged,
    not raised: the refresh itself succeeded."""
    if not any(r.trigger == "token_refreshed" for r in ctx.template.follow_up_requests):
        return
    from ringdesk.integrations.context import load_context
    from ringdesk.integrations.followup import fire_follow_ups

    try:
        fresh = await load_context(executor.state, ctx.integration_id)
        await fire_follow_ups(executor.state, fresh, "token_refreshed", {})
    except PeerError as exc:
        _log.warning("%s: token_refreshed follow-up failed: %s", ctx.name, exc)
