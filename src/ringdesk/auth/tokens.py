"""OAuth2 tokens (A6, A8): `OAuthTokens` owns the newest tokens this process knows and the
refreshes of them; `credentials(ctx)` is the strategy the executor authenticates with.

A refresh is decided by a pure function (`decide`) and carried out by a thin shell: it
takes a short-lived lease on the integration row (so two processes never spend a rotating
refresh token at once), sends the refresh request with NO database transaction open, then
stores the new tokens (the rotated refresh token committed before the new access token is
used) and gives the lease back; the integration's jobs held for authentication are then due
at once. A refused refresh marks the integration `needs_reconnect`;
a helpdesk that is down only makes the work wait.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ringdesk.auth.oauth2 import parse_token_response, refresh_request
from ringdesk.auth.schemes import auth_header
from ringdesk.clock import Clock, SystemClock
from ringdesk.errors import HelpdeskAuthError, HelpdeskError, TokenResponseError
from ringdesk.http.client import Executor
from ringdesk.http.credentials import NO_CREDENTIALS, Credentials, StaticCredentials
from ringdesk.integrations.context import IntegrationContext
from ringdesk.metrics import Metrics
from ringdesk.redact import Redactor
from ringdesk.store import integrations as repo
from ringdesk.store import outbox as queue
from ringdesk.store.crypto import SecretBox
from ringdesk.store.db import Database

if TYPE_CHECKING:
    from ringdesk.store.tables import Integration

__all__ = [
    "EXPIRY_MARGIN_SECONDS",
    "OAuthTokens",
    "TokenState",
    "credentials_for",
    "decide",
    "expiring",
]

EXPIRY_MARGIN_SECONDS = 60.0
# Longer than a refresh request may take (the executor's timeout is 30 s).
REFRESH_LEASE_SECONDS = 90.0
_WAIT_STEP = 0.1
_log = logging.getLogger(__name__)

Listener = Callable[[IntegrationContext], Awaitable[None]]


@dataclass(frozen=True)
class TokenState:
    """The newest tokens of one integration known to this process."""

    access_token: str
    refresh_token: str
    expires_at: float | None
    refreshed_at: float


def expiring(expires_at: float | None, now: float) -> bool:
    """Whether a token expires within the margin (or has expired)."""
    return expires_at is not None and expires_at - now < EXPIRY_MARGIN_SECONDS


def decide(
    stored: TokenState, *, stale_access: str | None, min_age: float | None, now: float
) -> Literal["use_stored", "refresh"]:
    """Refresh, or use the stored tokens: someone else refreshed since the caller's token
    was found wanting (`stale_access`), or a scheduled refresh (`min_age`) finds the tokens
    refreshed recently enough."""
    fresh_enough = (
        min_age is not None and stored.refreshed_at > 0 and now - stored.refreshed_at < min_age
    )
    someone_else = (
        stale_access is not None
        and bool(stored.access_token)
        and stored.access_token != stale_access
        and not expiring(stored.expires_at, now)
    )
    return "use_stored" if fresh_enough or someone_else else "refresh"


@dataclass(frozen=True)
class _Begun:
    """What the refresh shell read under its lease."""

    stored: TokenState
    secrets: dict[str, str]
    action: Literal["use_stored", "refresh", "wait"]


class OAuthTokens:
    """Current access tokens and their refreshes, for every OAuth2 integration."""

    def __init__(
        self,
        database: Database,
        crypto: SecretBox,
        executor: Executor,
        *,
        clock: Clock | None = None,
        metrics: Metrics | None = None,
        lease_seconds: float = REFRESH_LEASE_SECONDS,
    ):
        self._db = database
        self._crypto = crypto
        self._executor = executor
        self.clock = clock or SystemClock()
        self._metrics = metrics
        self._lease_seconds = lease_seconds
        self._holder = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        # Bounded by the number of integrations (one entry each).
        self._known: dict[int, TokenState] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._listeners: list[Listener] = []

    def on_refreshed(self, listener: Listener) -> None:
        """Call `listener(ctx)` after each successful refresh (F2 `token_refreshed`)."""
        self._listeners.append(listener)

    def remember(self, integration_id: int, state: TokenState) -> None:
        """Tokens this process just obtained (the OAuth2 code exchange)."""
        self._known[integration_id] = state

    def forget(self, integration_id: int) -> None:
        self._known.pop(integration_id, None)
        self._locks.pop(integration_id, None)

    def credentials(self, ctx: IntegrationContext) -> Credentials:
        """The strategy the executor authenticates `ctx`'s requests with."""
        return _OAuthCredentials(self, ctx)

    def _newest(self, ctx: IntegrationContext) -> TokenState | None:
        """This process's newest tokens of `ctx`'s integration, when newer than `ctx`'s."""
        known = self._known.get(ctx.integration_id)
        if known is not None and known.refreshed_at >= (ctx.token_refreshed_at or 0.0):
            return known
        return None

    def newest_known(self, ctx: IntegrationContext) -> str | None:
        """The access token of this process's newest refresh, when newer than `ctx`'s."""
        known = self._newest(ctx)
        return known.access_token if known is not None else None

    async def access_token(self, ctx: IntegrationContext) -> str:
        """The access token to send now; refreshed first when it expires within a minute."""
        known = self._newest(ctx)
        if known is not None:
            access, expires_at = known.access_token, known.expires_at
        else:
            access, expires_at = ctx.variables.get("AccessToken", ""), ctx.token_expires_at
        if expiring(expires_at, self.clock.now()):
            return await self.refresh(ctx, stale_access=access, reason="expiry")
        return access

    async def refresh(
        self,
        ctx: IntegrationContext,
        *,
        stale_access: str | None,
        reason: str,
        min_age: float | None = None,
        now: float | None = None,
    ) -> str:
        """Refresh `ctx`'s tokens and return the access token to use.

        `stale_access` is the token the caller found wanting: when the stored one differs
        (another task or process refreshed), that one is returned without asking the
        helpdesk. `min_age` (scheduled refreshes): skip when refreshed more recently than
        that before `now`. Raises `HelpdeskAuthError` when the refresh is refused (the
        integration then needs reconnecting) and a retryable `HelpdeskError` when the
        helpdesk could not be asked.
        """
        oauth = ctx.template.authentication.oauth2
        if oauth is None:
            raise HelpdeskError(f"{ctx.name}: the template has no OAuth2 section", retryable=False)
        lock = self._locks.setdefault(ctx.integration_id, asyncio.Lock())
        async with lock:
            begun = await self._begin(ctx, stale_access, min_age, now)
            if begun.action == "use_stored":
                self._known[ctx.integration_id] = begun.stored
                return begun.stored.access_token
            return await self._refresh_leased(ctx, begun, reason, now)

    # -- the shell ------------------------------------------------------------------------

    async def _begin(
        self,
        ctx: IntegrationContext,
        stale_access: str | None,
        min_age: float | None,
        at: float | None,
    ) -> _Begun:
        """Read the stored tokens and take the refresh lease, waiting while another process
        holds it (bounded by the lease's length)."""
        waited = 0.0
        while True:
            now = self.clock.now() if at is None else at
            begun = await asyncio.to_thread(self._read_and_lease, ctx, stale_access, min_age, now)
            if begun.action != "wait":
                return begun
            if waited >= self._lease_seconds:
                raise HelpdeskError(
                    f"{ctx.name}: another process is still refreshing the token", retryable=True
                )
            await asyncio.sleep(_WAIT_STEP)
            waited += _WAIT_STEP

    def _read_and_lease(
        self, ctx: IntegrationContext, stale_access: str | None, min_age: float | None, now: float
    ) -> _Begun:
        with self._db.session() as session:
            row = repo.token_row(session, ctx.integration_id)
            if row is None:
                raise HelpdeskError(f"integration {ctx.integration_id} is gone", retryable=False)
            if row.status == "needs_reconnect":
                raise HelpdeskAuthError(
                    f"{ctx.name}: the integration needs to be reconnected", needs_reconnect=True
                )
            stored, secrets = self._state(row)
            if decide(stored, stale_access=stale_access, min_age=min_age, now=now) == (
                "use_stored"
            ):
                return _Begun(stored, secrets, "use_stored")
            until = now + self._lease_seconds
            if not repo.claim_refresh(
                session, ctx.integration_id, self._holder, now=now, until=until
            ):
                return _Begun(stored, secrets, "wait")
            # Read again under the lease: another process may have finished its refresh
            # (and given the lease back) between our read and our claim. Its helpdesk has
            # rotated the refresh token we read, so refreshing with it would be refused as
            # already used and mark the integration needs_reconnect (seen in the soak run
            # with a slow helpdesk and revoked tokens, issue 12).
            row = repo.token_row(session, ctx.integration_id, reread=True)
            if row is None:
                raise HelpdeskError(f"integration {ctx.integration_id} is gone", retryable=False)
            stored, secrets = self._state(row)
            if decide(stored, stale_access=stale_access, min_age=min_age, now=now) == (
                "use_stored"
            ):
                repo.release_refresh(session, ctx.integration_id, self._holder)
                return _Begun(stored, secrets, "use_stored")
            return _Begun(stored, secrets, "refresh")

    def _state(self, row: Integration) -> tuple[TokenState, dict[str, str]]:
        secrets = {k: str(v) for k, v in self._crypto.decrypt(row.secrets).items()}
        stored = TokenState(
            access_token=secrets.get("AccessToken", ""),
            refresh_token=secrets.get("RefreshToken", ""),
            expires_at=row.token_expires_at,
            refreshed_at=row.token_refreshed_at or 0.0,
        )
        return stored, secrets

    async def _refresh_leased(
        self, ctx: IntegrationContext, begun: _Begun, reason: str, at: float | None
    ) -> str:
        oauth = ctx.template.authentication.oauth2
        assert oauth is not None  # noqa: S101  (checked by the caller)
        secrets = begun.secrets
        redactor = Redactor({*ctx.secret_values, *(v for v in secrets.values() if v)})
        request = refresh_request(
            oauth, {**ctx.variables, **secrets}, headers=ctx.headers_for("token")
        )
        try:
            response = await self._executor.send(
                ctx, request, scenario="token_refresh", credentials=NO_CREDENTIALS
            )
            result = parse_token_response(response.text)
        except (HelpdeskError, TokenResponseError) as exc:
            if isinstance(exc, HelpdeskError) and exc.retryable and exc.status not in (401, 403):
                await asyncio.to_thread(self._release, ctx, None)
                raise HelpdeskError(
                    f"{ctx.name}: token refresh failed: {exc}", retryable=True
                ) from None
            message = redactor.text(f"token refresh failed: {exc}")
            await asyncio.to_thread(self._release, ctx, message)
            if self._metrics is not None:
                self._metrics.token_refresh_failures.labels(helpdesk=ctx.template_id).inc()
            _log.warning("%s: %s", ctx.name, message)
            raise HelpdeskAuthError(f"{ctx.name}: {message}", needs_reconnect=True) from None
        now = self.clock.now() if at is None else at
        secrets["AccessToken"] = result.access_token
        if result.refresh_token:
            secrets["RefreshToken"] = result.refresh_token
        state = TokenState(
            access_token=result.access_token,
            refresh_token=secrets.get("RefreshToken", ""),
            expires_at=now + result.expires_in if result.expires_in else None,
            refreshed_at=now,
        )
        # A6: the rotated refresh token is committed before the new access token is used.
        stored = await asyncio.to_thread(self._finish, ctx, secrets, state)
        if not stored:
            raise HelpdeskError(
                f"{ctx.name}: the token refresh lease expired before the tokens were stored",
                retryable=True,
            )
        self._known[ctx.integration_id] = state
        _log.info("%s: tokens refreshed (%s)", ctx.name, reason)
        for listener in self._listeners:
            try:
                await listener(ctx)
            except HelpdeskError as exc:  # the refresh itself succeeded
                _log.warning("%s: token_refreshed follow-up failed: %s", ctx.name, exc)
        return result.access_token

    def _finish(self, ctx: IntegrationContext, secrets: dict[str, str], state: TokenState) -> bool:
        """Store the new tokens and, in the same transaction, make the integration's jobs
        that wait for authentication due now (A8): they would otherwise sit out their
        backoff (up to minutes) although the token works again."""
        with self._db.session() as session:
            stored = repo.finish_refresh(
                session,
                ctx.integration_id,
                self._holder,
                secrets=self._crypto.encrypt(secrets),
                expires_at=state.expires_at,
                refreshed_at=state.refreshed_at,
            )
            if stored and queue.release_held(session, ctx.integration_id, now=self.clock.now()):
                queue.wake_after_commit(session)
            return stored

    def _release(self, ctx: IntegrationContext, reconnect_message: str | None) -> None:
        with self._db.session() as session:
            repo.release_refresh(
                session, ctx.integration_id, self._holder, reconnect_message=reconnect_message
            )


@dataclass(frozen=True)
class _OAuthCredentials:
    """A7/A8 for OAuth2: the current access token; one refresh when it is refused."""

    tokens: OAuthTokens
    ctx: IntegrationContext

    async def headers(self) -> Mapping[str, str]:
        if self.ctx.status == "needs_reconnect":
            raise HelpdeskAuthError(
                f"{self.ctx.name}: the integration needs to be reconnected", needs_reconnect=True
            )
        return self._headers(await self.tokens.access_token(self.ctx))

    def current(self, held: Mapping[str, str]) -> Mapping[str, str]:
        newest = self.tokens.newest_known(self.ctx)
        if newest is None or newest == _token_of(held):
            return held
        return self._headers(newest)

    def _headers(self, token: str) -> Mapping[str, str]:
        scheme = self.ctx.template.authentication.scheme
        return auth_header("oauth2", self.ctx.variables, token, scheme=scheme)

    async def renew(self, refused: Mapping[str, str]) -> bool:
        stale = _token_of(refused) or None
        await self.tokens.refresh(self.ctx, stale_access=stale, reason="401")
        return True


def _token_of(headers: Mapping[str, str]) -> str:
    """The token of an `Authorization: <scheme> <token>` header ("" without one)."""
    sent = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    return sent.partition(" ")[2]


def credentials_for(ctx: IntegrationContext, tokens: OAuthTokens) -> Credentials:
    """How `ctx`'s scenario requests are authenticated: Basic (A4), a fixed bearer token
    (A7), OAuth2 with refresh (A5–A8), or nothing."""
    if ctx.auth_method == "oauth2":
        return tokens.credentials(ctx)
    scheme = ctx.template.authentication.scheme
    headers = auth_header(ctx.auth_method, ctx.variables, scheme=scheme)
    return StaticCredentials(headers) if headers else NO_CREDENTIALS
