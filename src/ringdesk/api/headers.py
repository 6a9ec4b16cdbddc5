"""Security headers on every response (a middleware): a Content-Security-Policy that allows
only ringdesk's own scripts, styles and connections (no inline script, no framing),
`X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (agent links carry their key
in the URL) and `X-Frame-Options: DENY` for browsers without `frame-ancestors`.

The API docs page (`/docs`, Swagger UI) bootstraps itself with an inline script whose text
ringdesk itself renders: its policy allows exactly that script by hash, and the inline
styles Swagger UI sets; everything still comes from ringdesk's own origin.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

__all__ = ["CSP", "SecurityHeadersMiddleware", "docs_policy"]

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for the template editor's logo preview (an image, never a script)
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def docs_policy(body: bytes) -> str:
    """The policy of a docs page: the default, plus the hashes of its own inline scripts
    and inline styles (Swagger UI sets style attributes)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
        for m in _INLINE_SCRIPT.finditer(body)
    )
    script = f"script-src 'self' {hashes}".rstrip()
    return CSP.replace("script-src 'self'", script).replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'"
    )


def _headers(policy: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    ]


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP response; `docs_paths` get `docs_policy`."""

    def __init__(self, app: ASGIApp, *, docs_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.docs_paths = frozenset(p for p in docs_paths if p)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path") in self.docs_paths:
            await self._docs(scope, receive, send)
            return

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _merge(message.get("headers") or [], _headers(CSP))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the (small) docs page until it is complete, to hash its inline script."""
        start: MutableMapping[str, Any] = {}
        chunks: list[bytes] = []

        async def collect(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = [(k, v) for k, v in start.get("headers") or [] if k != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            start["headers"] = _merge(headers, _headers(docs_policy(body)))
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, collect)


def _merge(
    headers: Iterable[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """`headers` plus `extra`; a header the route set itself wins."""
    out = list(headers)
    present = {k.lower() for k, _ in out}
    out.extend((k, v) for k, v in extra if k not in present)
    return out
