"""The Executor: the one place ringdesk talks HTTP to helpdesks.

Every request gets, in order: auth (Basic/Bearer/OAuth2, refreshed when its expiry is near),
the template's custom headers (H1–H3), a slot of the template's concurrency cap (G3), the
outbound address guard, timeouts, a response-size limit, retries with backoff (connect
errors, 5xx, 408/425/429; idempotent methods or with an idempotency key), one
refresh-and-retry on 401 (A8), a redacted request-log row (I4) and metrics (I8).
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ringdesk import __version__
from ringdesk.auth.schemes import auth_header, custom_headers, merge_headers
from ringdesk.clock import Clock, SystemClock
from ringdesk.config import Settings
from ringdesk.errors import PeerError
from ringdesk.http.guard import BlockedAddressError, GuardedBackend
from ringdesk.http.limits import ConcurrencyLimiter
from ringdesk.http.redact import Redactor, protect_http_logs
from ringdesk.http.redirects import (
    MAX_REDIRECTS,
    REDIRECT_STATUSES,
    RedirectError,
    next_request,
)
from ringdesk.http.requestlog import LogRow, RequestLog, excerpt
from ringdesk.http.retry import (
    RetryPolicy,
    is_retryable_status,
    may_retry_method,
    parse_retry_after,
)
from ringdesk.integrations.context import IntegrationContext
from ringdesk.store.db import Database

__all__ = ["Exchange", "Executor", "HelpdeskError", "HelpdeskResponse", "make_transport"]

_log = logging.getLogger(__name__)
# What httpx.AsyncClient would add; a template's own headers override them.
_DEFAULT_HEADERS = (
    ("Accept", "*/*"),
    ("Accept-Encoding", "gzip, deflate"),
    ("User-Agent", f"ringdesk/{__version__}"),
)


class _TooLarge(Exception):
    pass


class _Blocked(Exception):
    pass


@dataclass(frozen=True)
class Exchange:
    """One HTTP attempt as the test console shows it; secrets already redacted."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None
    response_headers: dict[str, str]
    response_body: str
    duration_ms: float
    error: str | None = None


@dataclass
class HelpdeskResponse:
    """A helpdesk's (complete, size-limited) answer."""

    status: int
    headers: httpx.Headers
    content: bytes
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.content.decode(_charset(self.headers), errors="replace")
        return self._text

    def json(self) -> Any:
        return json.loads(self.content)


def _charset(headers: httpx.Headers) -> str:
    for part in headers.get("content-type", "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            candidate = value.strip('"')
            try:
                "".encode(candidate)
            except LookupError:
                break
            return str(candidate)
    return "utf-8"


class HelpdeskError(PeerError):
    """A final non-2xx answer; `body` is its redacted excerpt."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
        body: str = "",
    ):
        super().__init__(message, retryable=retryable, status=status, retry_after=retry_after)
        self.body = body


def make_transport(settings: Settings) -> httpx.AsyncBaseTransport:
    """The pooled transport; guarded unless private networks are allowed."""
    transport = httpx.AsyncHTTPTransport(retries=0)
    if not settings.allow_private_networks:
        # httpcore connects through its network backend; ours resolves, checks, and
        # connects to the checked address (DNS-rebinding safe). TLS still uses the host name.
        transport._pool._network_backend = GuardedBackend()
    return transport


def _redactor(ctx: IntegrationContext) -> Redactor:
    redactor = ctx.memo.get("redactor")
    if redactor is None:
        redactor = ctx.memo["redactor"] = Redactor(ctx.secret_values)
        protect_http_logs(ctx.secret_values)
    assert isinstance(redactor, Redactor)  # noqa: S101  (memo holds what we put there)
    return redactor


def _custom(ctx: IntegrationContext) -> dict[str, str]:
    headers = ctx.memo.get("custom_headers")
    if headers is None:
        headers = ctx.memo["custom_headers"] = custom_headers(ctx.template.headers, ctx.variables)
    return dict(headers)


@functools.lru_cache(maxsize=512)
def _parsed_url(url: str) -> httpx.URL:
    # Parsing is a visible share of a request's CPU; most requests of an integration go to
    # a handful of URLs (call logs, tickets), and httpx.URL is immutable, so it is shared.
    return httpx.URL(url)


def _add_userinfo_auth(url: str, headers: dict[str, str]) -> None:
    """`https://user:pass@host/…` means Basic auth, as httpx.AsyncClient read it; an
    Authorization header the template or auth method set wins."""
    try:
        parsed = _parsed_url(url)
    except httpx.InvalidURL:
        return  # the attempt reports it, with its request-log row
    if not (parsed.username or parsed.password):
        return
    if any(name.lower() == "authorization" for name in headers):
        return
    pair = f"{parsed.username}:{parsed.password}".encode()
    headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()


def _with_defaults(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    given = {name.lower() for name in headers}
    defaults = [(name, value) for name, value in _DEFAULT_HEADERS if name.lower() not in given]
    return [*defaults, *headers.items()]


def _body_text(body: str | bytes | None) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body[:8192].decode("utf-8", errors="replace")
    return body[:8192]


class Executor:
    """Sends helpdesk requests for integrations (`state.executor`)."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        *,
        state: Any = None,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: ConcurrencyLimiter | None = None,
        timeout: float = 30.0,
    ):
        self.settings = settings
        self.db = database
        self.state = state
        self.clock = clock or SystemClock()
        self.retry = retry or RetryPolicy()
        self.max_response_bytes = settings.max_response_bytes
        self.request_log = RequestLog(database, retention=settings.request_log_retention)
        self.limiter = limiter or ConcurrencyLimiter(database, clock=self.clock)
        # The pooled transport is driven directly rather than through httpx.AsyncClient:
        # the client's layers (cookie jar, auth flow, event hooks) cost a large share of a
        # request's CPU (bench.executor vs raw httpx went 1.35 -> 1.6, run back to back) and
        # ringdesk uses none of them; a cookie jar shared by every integration would even
        # carry one helpdesk account's session into another's requests.
        self._transport = transport or make_transport(settings)
        self._timeout = httpx.Timeout(timeout, connect=min(10.0, timeout)).as_dict()
        protect_http_logs()
        # Newest tokens this process knows per integration (auth.refresh keeps it current).
        self.tokens: dict[int, Any] = {}

    async def aclose(self) -> None:
        await self.request_log.flush()
        await self._transport.aclose()

    # -- the contract ---------------------------------------------------------------------

    async def request(
        self,
        ctx: IntegrationContext,
        *,
        scenario: str,
        method: str,
        url: str,
        body: str | bytes | None = None,
        content_type: str | None = "application/json",
        extra_headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        apply_auth: bool = True,
        apply_custom_headers: bool = True,
        capture: list[Exchange] | None = None,
    ) -> HelpdeskResponse:
        """Send one logical request (maybe several attempts); return a 2xx response or raise
        `PeerError` (`HelpdeskError` for non-2xx answers)."""
        from ringdesk.auth.refresh import current_access_token, refresh_tokens

        method = method.upper()
        oauth = apply_auth and ctx.auth_method == "oauth2"
        if oauth and ctx.status == "needs_reconnect":
            raise PeerError(f"{ctx.name}: the integration needs to be reconnected", retryable=True)
        access = await current_access_token(self, ctx) if oauth else None
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            headers = merge_headers(
                auth_header(ctx.auth_method, ctx.variables, access) if apply_auth else {},
                _custom(ctx) if apply_custom_headers else {},
                {"Content-Type": content_type} if content_type and body is not None else {},
                extra_headers or {},
                {"Idempotency-Key": idempotency_key} if idempotency_key else {},
            )
            _add_userinfo_auth(url, headers)
            try:
                response = await self._attempt(ctx, scenario, method, url, body, headers, capture)
            except _Blocked as exc:
                raise PeerError(str(exc), retryable=False) from None
            except RedirectError as exc:
                message = _redactor(ctx).text(f"{method} {ctx.helpdesk}: {exc}")
                raise PeerError(message, retryable=False) from None
            except _TooLarge:
                raise PeerError(
                    f"{ctx.helpdesk} answered with more than {self.max_response_bytes} bytes",
                    retryable=False,
                ) from None
            except httpx.TransportError as exc:
                # A connect failure never reached the peer, so any method may be retried.
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                delay = self.retry.delay(attempt, None, random.random())  # noqa: S311
                if delay is not None and (unsent or may_retry_method(method, idempotency_key)):
                    await self.clock.sleep(delay)
                    continue
                message = _redactor(ctx).text(f"{method} {ctx.helpdesk}: {type(exc).__name__}")
                raise PeerError(message, retryable=True) from None
            status = response.status
            if 200 <= status < 300:
                return response
            if status == 401 and oauth and not refreshed:
                refreshed = True
                attempt -= 1  # the refresh-and-retry (A8) is not a backoff retry
                access = await refresh_tokens(self, ctx, stale_access=access, reason="401")
                continue
            retry_after = parse_retry_after(response.headers.get("retry-after"), self.clock.now())
            redactor = _redactor(ctx)
            body_excerpt = redactor.text(response.text[:300])
            if is_retryable_status(status):
                delay = self.retry.delay(attempt, retry_after, random.random())  # noqa: S311
                if delay is not None and may_retry_method(method, idempotency_key):
                    await self.clock.sleep(delay)
                    continue
            raise HelpdeskError(
                f"{method} {redactor.url(url)} → HTTP {status}: {body_excerpt}",
                retryable=is_retryable_status(status),
                status=status,
                retry_after=retry_after,
                body=body_excerpt,
            )

    # -- one attempt ----------------------------------------------------------------------

    async def _attempt(
        self,
        ctx: IntegrationContext,
        scenario: str,
        method: str,
        url: str,
        body: str | bytes | None,
        headers: dict[str, str],
        capture: list[Exchange] | None,
    ) -> HelpdeskResponse:
        status: int | None = None
        response_headers: httpx.Headers = httpx.Headers()
        content = b""
        error: str | None = None
        async with self.limiter.slot(ctx.template_id, ctx.max_concurrent):
            started = time.perf_counter()
            try:
                request = httpx.Request(
                    method,
                    _parsed_url(url),
                    content=body,
                    headers=_with_defaults(headers),
                    extensions={"timeout": self._timeout},
                )
                response = await self._send(request)
                try:
                    status = response.status_code
                    response_headers = response.headers
                    content = await self._read(response)
                finally:
                    await response.aclose()
            except _TooLarge:
                error = "response too large"
                raise
            except RedirectError as exc:
                error = str(exc)
                raise
            except BlockedAddressError as exc:
                error = str(exc)
                raise _Blocked(str(exc)) from None
            except httpx.ConnectError as exc:
                cause = exc.__context__ or exc.__cause__
                if isinstance(cause, BlockedAddressError):
                    error = str(cause)
                    raise _Blocked(str(cause)) from None
                error = f"{type(exc).__name__}: {exc}"
                raise
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
                raise
            finally:
                duration_ms = (time.perf_counter() - started) * 1000
                self._record(
                    ctx,
                    scenario,
                    method,
                    url,
                    headers,
                    body,
                    status,
                    response_headers,
                    content,
                    duration_ms,
                    error,
                    capture,
                )
        return HelpdeskResponse(status or 0, response_headers, content)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """Send `request`, following up to MAX_REDIRECTS redirects; the final response is
        returned unread."""
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._transport.handle_async_request(request)
            location = response.headers.get("location")
            if response.status_code not in REDIRECT_STATUSES or location is None:
                return response
            await response.aclose()
            request = next_request(request, response.status_code, location)
        raise RedirectError(f"more than {MAX_REDIRECTS} redirects")

    async def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_response_bytes:
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        # Decoded bytes are counted, so a compressed bomb stops at the limit too.
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_response_bytes:
                raise _TooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    def _record(
        self,
        ctx: IntegrationContext,
        scenario: str,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: str | bytes | None,
        status: int | None,
        response_headers: httpx.Headers,
        content: bytes,
        duration_ms: float,
        error: str | None,
        capture: list[Exchange] | None,
    ) -> None:
        redactor = _redactor(ctx)
        safe_url = redactor.url(url)
        request_headers = redactor.headers(headers)
        request_body = redactor.text(_body_text(body))
        response_body = redactor.text(content[:8192].decode("utf-8", errors="replace"))
        safe_error = redactor.text(error) if error else None
        self.request_log.add(
            LogRow(
                integration_id=ctx.integration_id,
                scenario=scenario,
                method=method,
                url=safe_url,
                status=status,
                duration_ms=round(duration_ms, 3),
                request_excerpt=excerpt(
                    "\n".join(f"{k}: {v}" for k, v in request_headers.items())
                    + ("\n\n" + request_body if request_body else "")
                ),
                response_excerpt=excerpt(response_body),
                error=safe_error,
                created_at=self.clock.now(),
            )
        )
        if capture is not None:
            capture.append(
                Exchange(
                    method=method,
                    url=safe_url,
                    request_headers=request_headers,
                    request_body=excerpt(request_body),
                    status=status,
                    response_headers=redactor.headers(response_headers.multi_items()),
                    response_body=excerpt(response_body),
                    duration_ms=round(duration_ms, 3),
                    error=safe_error,
                )
            )
        metrics = getattr(self.state, "metrics", None) if self.state is not None else None
        counter = getattr(metrics, "helpdesk_requests", None)
        if counter is not None:
            counter.labels(
                helpdesk=ctx.template_id, status=str(status) if status else "error"
            ).inc()
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("%s %s → %s (%.0f ms)", method, safe_url, status or safe_error, duration_ms)
