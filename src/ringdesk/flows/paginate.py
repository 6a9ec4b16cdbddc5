"""Pagination planner for list requests (U2, U3, C8): pure, no I/O.

The caller asks `first()` for the first URL, performs the request, counts the items the
mapping found on the page and passes them with the body to `advance()`, which returns the
next URL or None. Paging stops on an empty page, a page shorter than the page size, a
missing next link, or after `max_requests` requests; hitting the cap sets `capped` so the
caller can report it (never silent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ringdesk.expressions import gjson
from ringdesk.templates.model import Pagination

__all__ = ["MAX_REQUESTS", "Paginator", "StopReason", "set_query_param"]

MAX_REQUESTS = 100

StopReason = Literal["", "single", "empty", "short", "no_next", "repeated", "capped"]


def set_query_param(url: str, name: str, value: str | int) -> str:
    """`url` with query parameter `name` set to `value` (replacing any existing one)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, str(value)))
    return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass
class Paginator:
    """Plans the requests of one paged listing. `spec.type` is none|page|offset|link."""

    spec: Pagination
    url: str
    max_requests: int = MAX_REQUESTS
    requests: int = 0
    capped: bool = False
    stop_reason: StopReason = ""
    _position: int = field(default=0, init=False)
    _current: str = field(default="", init=False)

    def first(self) -> str:
        """The URL of the first request (counts as one request)."""
        kind = self.spec.type
        if kind == "page":
            self._position = self.spec.page_start
            url = set_query_param(self.url, self.spec.page_param, self._position)
            url = set_query_param(url, self.spec.page_size_param, self.spec.page_size)
        elif kind == "offset":
            self._position = self.spec.offset_start
            url = set_query_param(self.url, self.spec.offset_param, self._position)
            url = set_query_param(url, self.spec.limit_param, self.spec.limit)
        else:
            url = self.url
        self.requests = 1
        self._current = url
        return url

    def advance(self, *, count: int, body: str | bytes = "") -> str | None:
        """Given the page just fetched (`count` items, raw `body`), the next URL or None."""
        next_url = self._next(count, body)
        if next_url is None:
            return None
        if self.requests >= self.max_requests:
            self.capped = True
            self.stop_reason = "capped"
            return None
        self.requests += 1
        self._current = next_url
        return next_url

    def _next(self, count: int, body: str | bytes) -> str | None:
        kind = self.spec.type
        if kind not in ("page", "offset", "link"):
            return self._stop("single")
        if count <= 0:
            return self._stop("empty")
        if kind == "page":
            if count < self.spec.page_size:
                return self._stop("short")
            self._position += 1
            return set_query_param(self._current, self.spec.page_param, self._position)
        if kind == "offset":
            if count < self.spec.limit:
                return self._stop("short")
            self._position += self.spec.limit
            return set_query_param(self._current, self.spec.offset_param, self._position)
        link = _next_link(body, self.spec.next_link_path)
        if not link:
            return self._stop("no_next")
        absolute = urljoin(self._current, link)
        if absolute == self._current:  # a peer pointing at the same page would loop forever
            return self._stop("repeated")
        return absolute

    def _stop(self, reason: StopReason) -> str | None:
        self.stop_reason = reason
        return None


def _next_link(body: str | bytes, path: str) -> str:
    if not path or not body:
        return ""
    try:
        result = gjson.get(body, path)
    except ValueError:  # ExpressionError is a ValueError; an invalid path finds nothing
        return ""
    if not result.exists or not isinstance(result.value, str):
        return ""
    return result.value.strip()
