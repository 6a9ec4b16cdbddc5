"""The Executor: the one place ringdesk talks HTTP to helpdesks.

`send(ctx, request, scenario=..., credentials=...)` takes a rendered `HelpdeskRequest` and a
credentials strategy, and gives every request, in order: the credential headers, a slot of
the integration's concurrency cap (G3), the outbound address guard, timeouts, a
response-size limit, retries with backoff (connect errors, 5xx, 408/425/429; idempotent
methods or with an idempotency key), one renewal-and-retry on 401 (A8), a redacted
request-log row (I4) and metrics (I8).
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

import httpcore
import httpx

from ringdesk import __version__
from ringdesk.clock import Clock, SystemClock
from ringdesk.config import Settings
from ringdesk.errors import HelpdeskAuthError, HelpdeskError
from ringdesk.http.credentials import NO_CREDENTIALS, Credentials
from ringdesk.http.guard import BlockedAddressError, GuardedBackend
from ringdesk.http.limits import ConcurrencyLimiter
from ringdesk.http.redirects import MAX_REDIRECTS, REDIRECT_STATUSES, next_request
from ringdesk.http.request import HelpdeskRequest
from ringdesk.http.requestlog import LogRow, RequestLog, excerpt
from ringdesk.http.streams import ReadinessBackend, pooled_transport
from ringdesk.integrations.context import IntegrationContext
from ringdesk.metrics import Metrics
from ringdesk.redact import protect_http_logs
from ringdesk.retry import INLINE_RETRY, RetryPolicy, may_retry_method, parse_retry_after

__all__ = ["AUTH_STATUSES", "Exchange", "Executor", "HelpdeskResponse", "make_transport"]

_log = logging.getLogger(__name__)
# What httpx.AsyncClient would add; a template's own headers override them.
_DEFAULT_HEADERS = (
    ("Accept", "*/*"),
    ("Accept-Encoding", "gzip, deflate"),
    ("User-Agent", f"ringdesk/{__version__}"),
)
# Answers that mean "your credentials are refused" (A8): the work waits, it is never failed.
AUTH_STATUSES = frozenset({401, 403})


class _TooLarge(Exception):
    """Internal: the response passed the size limit (reported as a HelpdeskError)."""


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
        """The body as JSON; ValueError when it is not JSON, or nested too deep to parse (a
        RecursionError otherwise: a hostile helpdesk must not turn into a 500)."""
        try:
            return json.loads(self.content)
        except RecursionError:
            raise ValueError("the response is JSON nested too deeply to read") from None


def _charset(headers: httpx.Headers) -> str:
    for part in str(headers.get("content-type", "")).split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            candidate = value.strip('"')
            try:
                "".encode(candidate)
            except LookupError:
                break
            return candidate
    return "utf-8"


# Where helpdesks say how long to wait after a 429: the standard header first, then the
# vendor names that carry the same delta-seconds (Help Scout sends only
# `X-RateLimit-Retry-After`: developer.helpscout.com/mailbox-api/overview/rate-limiting/).
RETRY_AFTER_HEADERS = ("retry-after", "x-ratelimit-retry-after")


def _retry_after_header(response: HelpdeskResponse) -> str | None:
    for name in RETRY_AFTER_HEADERS:
        value = response.headers.get(name)
        if value is not None:
            return str(value)
    return None


def make_transport(settings: Settings) -> httpx.AsyncBaseTransport:
    """The pooled transport; guarded unless private networks are allowed."""
    backend: httpcore.AsyncNetworkBackend = ReadinessBackend()
    if not settings.allow_private_networks:
        # Ours resolves, checks, and connects to the checked address (DNS-rebinding safe).
        # TLS still uses the host name.
        backend = GuardedBackend(backend)
    return pooled_transport(backend, retries=0)


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


def _merge(*layers: Mapping[str, str]) -> dict[str, str]:
    """Later layers win, names compared case-insensitively (H3: a custom `Authorization`
    replaces the one the credentials produced)."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        for name, value in layer.items():
            merged[name.lower()] = (name, value)
    return dict(merged.values())


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


def _is_auth_refusal(status: int, body: str) -> bool:
    # RFC 6750 `invalid_token` sometimes comes with a 400; it is an auth failure all the same.
    return status in AUTH_STATUSES or (status == 400 and "invalid_token" in body)


class Executor:
    """Sends helpdesk requests for integrations."""

    def __init__(
        self,
        settings: Settings,
        *,
        request_log: RequestLog,
        limiter: ConcurrencyLimiter,
        metrics: Metrics | None = None,
        clock: Clock | None = None,
        retry: RetryPolicy = INLINE_RETRY,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ):
        self.clock = clock or SystemClock()
        self.retry = retry
        self.max_response_bytes = settings.max_response_bytes
        self.request_log = request_log
        self.limiter = limiter
        self.metrics = metrics
        # The pooled transport is driven directly rather than through httpx.AsyncClient:
        # the client's layers (cookie jar, auth flow, event hooks) cost a large share of a
        # request's CPU (bench.executor vs raw httpx went 1.35 -> 1.6, run back to back) and
        # ringdesk uses none of them; a cookie jar shared by every integration would even
        # carry one helpdesk account's session into another's requests.
        self._transport = transport or make_transport(settings)
        self._timeout = httpx.Timeout(timeout, connect=min(10.0, timeout)).as_dict()
        protect_http_logs()

    async def aclose(self) -> None:
        await self.request_log.flush()
        await self._transport.aclose()

    # -- the contract ---------------------------------------------------------------------

    async def send(
        self,
        ctx: IntegrationContext,
        request: HelpdeskRequest,
        *,
        scenario: str,
        credentials: Credentials = NO_CREDENTIALS,
        capture: list[Exchange] | None = None,
    ) -> HelpdeskResponse:
        """Send one logical request (maybe several attempts); return a 2xx response or raise
        `HelpdeskError` (`HelpdeskAuthError` when the credentials are refused)."""
        method = request.method.upper()
        key = request.idempotency_key
        auth = await credentials.headers()
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                response, auth = await self._attempt(
                    ctx, scenario, method, request, auth, credentials, capture
                )
            except _TooLarge:
                raise HelpdeskError(
                    f"{ctx.helpdesk} answered with more than {self.max_response_bytes} bytes",
                    retryable=False,
                ) from None
            except HelpdeskError as exc:  # blocked address, unusable redirect, cap (G3)
                # Only the cap's errors (no free slot, a slot's lease lost) are retryable.
                raise HelpdeskError(
                    ctx.redactor.text(f"{method} {ctx.helpdesk}: {exc}"), retryable=exc.retryable
                ) from None
            except httpx.TransportError as exc:
                # A connect failure never reached the peer, so any method may be retried.
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                decision = self.retry.decide(attempt, retryable=True, rng=random)
                if decision.retry and (unsent or may_retry_method(method, key)):
                    await self.clock.sleep(decision.delay)
                    continue
                message = ctx.redactor.text(f"{method} {ctx.helpdesk}: {type(exc).__name__}")
                raise HelpdeskError(message, retryable=True) from None
            status = response.status
            if 200 <= status < 300:
                return response
            body_excerpt = ctx.redactor.text(response.text[:300])
            if _is_auth_refusal(status, body_excerpt):
                if status == 401 and not renewed and await credentials.renew(auth):
                    renewed = True
                    attempt -= 1  # the renewal-and-retry (A8) is not a backoff retry
                    auth = await credentials.headers()
                    continue
                raise HelpdeskAuthError(
                    f"{method} {ctx.redactor.url(request.url)} → HTTP {status}: {body_excerpt}",
                    status=status,
                    body=body_excerpt,
                )
            retry_after = parse_retry_after(_retry_after_header(response), self.clock.now())
            retryable = self.retry.retryable_status(status)
            if retryable and may_retry_method(method, key):
                decision = self.retry.decide(
                    attempt, retryable=True, retry_after=retry_after, rng=random
                )
                if decision.retry:
                    await self.clock.sleep(decision.delay)
                    continue
            raise HelpdeskError(
                f"{method} {ctx.redactor.url(request.url)} → HTTP {status}: {body_excerpt}",
                retryable=retryable,
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
        request: HelpdeskRequest,
        auth: Mapping[str, str],
        credentials: Credentials,
        capture: list[Exchange] | None,
    ) -> tuple[HelpdeskResponse, Mapping[str, str]]:
        """One attempt; returns the response and the credential headers it was sent with."""
        status: int | None = None
        response_headers: httpx.Headers = httpx.Headers()
        content = b""
        error: str | None = None
        async with self.limiter.slot(ctx.cap_key, ctx.max_concurrent):
            # Read after the wait for a slot: a token refreshed meanwhile (the previous one
            # was refused or revoked) is the one to send. Seconds in the queue behind a slow
            # helpdesk are enough for a revoked token to fail every request that waited.
            auth = credentials.current(auth)
            key = request.idempotency_key
            headers = _merge(auth, request.headers, {"Idempotency-Key": key} if key else {})
            _add_userinfo_auth(request.url, headers)
            started = time.perf_counter()
            try:
                outgoing = httpx.Request(
                    method,
                    _parsed_url(request.url),
                    content=request.body,
                    headers=_with_defaults(headers),
                    extensions={"timeout": self._timeout},
                )
                response = await self._send(outgoing)
                try:
                    status = response.status_code
                    response_headers = response.headers
                    content = await self._read(response)
                finally:
                    await response.aclose()
            except _TooLarge:
                error = "response too large"
                raise
            except HelpdeskError as exc:
                error = str(exc)
                raise
            except BlockedAddressError as exc:
                error = str(exc)
                raise HelpdeskError(str(exc), retryable=False) from None
            except httpx.ConnectError as exc:
                cause = exc.__context__ or exc.__cause__
                if isinstance(cause, BlockedAddressError):
                    error = str(cause)
                    raise HelpdeskError(str(cause), retryable=False) from None
                error = f"{type(exc).__name__}: {exc}"
                raise
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
                raise
            except httpx.InvalidURL as exc:
                # An escaped value in the host (`{{.subdomain}}` holding `:` or `%`) makes a
                # URL httpx cannot send: a bad input of this request, not a bug to retry.
                error = f"invalid URL: {exc}"
                raise HelpdeskError(error, retryable=False) from None
            finally:
                duration_ms = (time.perf_counter() - started) * 1000
                self._record(
                    ctx,
                    scenario,
                    method,
                    request,
                    headers,
                    status,
                    response_headers,
                    content,
                    duration_ms,
                    error,
                    capture,
                )
        return HelpdeskResponse(status or 0, response_headers, content), auth

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
        raise HelpdeskError(f"more than {MAX_REDIRECTS} redirects", retryable=False)

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
        request: HelpdeskRequest,
        headers: Mapping[str, str],
        status: int | None,
        response_headers: httpx.Headers,
        content: bytes,
        duration_ms: float,
        error: str | None,
        capture: list[Exchange] | None,
    ) -> None:
        redactor = ctx.redactor
        safe_url = redactor.url(request.url)
        request_headers = redactor.headers(headers)
        request_body = redactor.text(_body_text(request.body))
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
        if self.metrics is not None:
            self.metrics.helpdesk_requests.labels(
                helpdesk=ctx.template_id, status=str(status) if status else "error"
            ).inc()
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("%s %s → %s (%.0f ms)", method, safe_url, status or safe_error, duration_ms)
