"""Following a helpdesk's redirect (pure): the request to send next, or why not.

The executor sends through httpx's pooled transport, not `httpx.AsyncClient`, so it follows
redirects itself. The rules are the client's (RFC 9110 §15.4: 303 and a POST answered with
301/302 become a body-less GET; 307/308 repeat the request as it was; an http → https
upgrade of the same host keeps the origin's headers), with one difference: when the
redirect leaves the origin, only content-neutral headers go along, not just everything but
`Authorization`: a template's or follow-up request's API-key header must not reach another
host either.
"""

from __future__ import annotations

import httpx

from ringdesk.errors import HelpdeskError

__all__ = ["MAX_REDIRECTS", "REDIRECT_STATUSES", "next_request"]

MAX_REDIRECTS = 10
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_BODY_HEADERS = ("content-length", "transfer-encoding", "content-type")
# What may follow a redirect to another origin: nothing that could carry a credential.
_NEUTRAL_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "user-agent",
        "idempotency-key",
        *_BODY_HEADERS,
    }
)


def _same_origin(new: httpx.URL, old: httpx.URL) -> bool:
    if (new.scheme, new.host, new.port) == (old.scheme, old.host, old.port):
        return True
    # http://host → https://host (default ports) is the same site moving to TLS (httpx too).
    return (
        new.host == old.host
        and (old.scheme, old.port) in (("http", None), ("http", 80))
        and (new.scheme, new.port) in (("https", None), ("https", 443))
    )


def next_request(request: httpx.Request, status: int, location: str | None) -> httpx.Request:
    """The request a `status` answer with `location` asks for; raises a permanent
    `HelpdeskError` for a redirect that cannot be followed (no usable Location, or not
    http/https)."""
    if not location:
        raise HelpdeskError(f"HTTP {status} without a Location header", retryable=False)
    try:
        url = request.url.join(location)
    except httpx.InvalidURL as exc:
        raise HelpdeskError(
            f"HTTP {status} to an invalid Location: {exc}", retryable=False
        ) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise HelpdeskError(
            f"HTTP {status} to a non-HTTP Location ({url.scheme or 'none'})", retryable=False
        )
    method = request.method
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method = "GET"
    headers = httpx.Headers(request.headers)
    headers.pop("host", None)  # the new request derives it from its URL
    if not _same_origin(url, request.url):
        for name in {name.lower() for name in headers} - _NEUTRAL_HEADERS:
            headers.pop(name, None)
    content: bytes | None = request.content
    if method != request.method:
        content = None
        for name in _BODY_HEADERS:
            headers.pop(name, None)
    return httpx.Request(
        method, url, headers=headers, content=content, extensions=request.extensions
    )
