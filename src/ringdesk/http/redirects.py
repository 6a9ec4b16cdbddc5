"""Following a helpdesk's redirect (pure): the request to send next, or why not.

The executor sends through httpx's pooled transport, not `httpx.AsyncClient`, so it follows
redirects itself. The rules are the client's (RFC 9110 §15.4: 303 and a POST answered with
301/302 become a body-less GET; 307/308 repeat the request as it was), with one difference:
when the redirect leaves the origin, every credential header goes, not just
`Authorization`: a helpdesk's API-key header must not reach another host either.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from ringdesk.http.redact import SECRET_HEADERS

__all__ = ["MAX_REDIRECTS", "REDIRECT_STATUSES", "RedirectError", "next_request"]

MAX_REDIRECTS = 10
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_BODY_HEADERS = ("content-length", "transfer-encoding", "content-type")


class RedirectError(Exception):
    """A redirect that cannot be followed (no usable Location, or not http/https)."""


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def next_request(
    request: httpx.Request,
    status: int,
    location: str | None,
    *,
    credential_headers: Iterable[str] = (),
) -> httpx.Request:
    """The request a `status` answer with `location` asks for.

    `credential_headers` names headers (besides the well-known secret ones) that carry
    credentials, e.g. the template's custom headers; they are dropped across origins."""
    if not location:
        raise RedirectError(f"HTTP {status} without a Location header")
    try:
        url = request.url.join(location)
    except httpx.InvalidURL as exc:
        raise RedirectError(f"HTTP {status} to an invalid Location: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise RedirectError(f"HTTP {status} to a non-HTTP Location ({url.scheme or 'none'})")
    method = request.method
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method = "GET"
    headers = httpx.Headers(request.headers)
    headers.pop("host", None)  # the new request derives it from its URL
    if _origin(url) != _origin(request.url):
        for name in (*SECRET_HEADERS, *credential_headers):
            headers.pop(name, None)
        headers.pop("cookie", None)
    content: bytes | None = request.content
    if method != request.method:
        content = None
        for name in _BODY_HEADERS:
            headers.pop(name, None)
    return httpx.Request(
        method, url, headers=headers, content=content, extensions=request.extensions
    )
