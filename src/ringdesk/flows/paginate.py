"""Pagination planner for list requests (U2, U3, C8): pure, no I/O.

The caller asks `first()` for the first URL, performs the request, counts the items the
mapping found on the page and passes them with the body (and the response headers) to
`advance()`, which returns the next URL or None. Modes: `page` and `offset` count; `link`
follows a next URL in the body; `cursor` sends the body's next cursor as a query parameter;
`link-header` follows RFC 8288 `Link: <…>; rel="next"`. Paging stops on an empty page, a page
shorter than the page size (counting modes), a missing next link or cursor, `has_more`
false, a link or cursor seen before, or after `max_requests` requests; hitting the cap sets
`capped` so the caller can report it (never silent).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ringdesk.expressions import gjson
from ringdesk.flows.linkheader import find_link
from ringdesk.templates.model import Pagination

__all__ = ["MAX_REQUESTS", "Paginator", "StopReason", "set_query_param"]

MAX_REQUESTS = 100

StopReason = Literal["", "single", "empty", "short", "no_next", "no_more", "repeated", "capped"]


def set_query_param(url: str, name: str, value: str | int) -> str:
    """`url` with query parameter `name` set to `value` (replacing any existing one)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, str(value)))
    return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass
class Paginator:
    """Plans the requests of one paged listing.

    `spec.type` is none|page|offset|link|cursor|link-header (`templates.model.Pagination`)."""

    spec: Pagination
    url: str
    max_requests: int = MAX_REQUESTS
    requests: int = 0
    capped: bool = False
    stop_reason: StopReason = ""
    _position: int = field(default=0, init=False)
    _current: str = field(default="", init=False)
    # Links and cursors already followed: a peer that sends one again would loop.
    _seen: set[str] = field(default_factory=set, init=False)

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
        elif kind == "cursor" and self.spec.page_size_param:
            url = set_query_param(self.url, self.spec.page_size_param, self.spec.page_size)
        else:
            url = self.url
        self.requests = 1
        self._current = url
        self._seen = {url}
        return url

    def advance(
        self,
        *,
        count: int,
        body: str | bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> str | None:
        """Given the page just fetched (`count` items, raw `body`, response `headers` — any
        mapping, names compared case-insensitively), the next URL or None."""
        next_url = self._next(count, body, headers)
        if next_url is None:
            return None
        if self.requests >= self.max_requests:
            self.capped = True
            self.stop_reason = "capped"
            return None
        self.requests += 1
        self._current = next_url
        return next_url

    def _next(self, count: int, body: str | bytes, headers: Mapping[str, str] | None) -> str | None:
        kind = self.spec.type
        if kind not in ("page", "offset", "link", "cursor", "link-header"):
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
        if kind == "cursor":
            return self._next_cursor(body)
        if kind == "link":
            link = _body_text(body, self.spec.next_link_path)
            absolute = urljoin(self._current, link) if link else ""
        else:
            absolute = find_link(headers, "next", self._current)
        if not absolute:
            return self._stop("no_next")
        if absolute in self._seen:  # a peer pointing back at a page would loop forever
            return self._stop("repeated")
        self._seen.add(absolute)
        return absolute

    def _next_cursor(self, body: str | bytes) -> str | None:
        if self.spec.has_more_path:
            has_more = _body_value(body, self.spec.has_more_path)
            if has_more is not True and has_more != "true":
                return self._stop("no_more")
        cursor = _body_text(body, self.spec.cursor_path)
        if not cursor:
            return self._stop("no_next")
        if "cursor:" + cursor in self._seen:
            return self._stop("repeated")
        self._seen.add("cursor:" + cursor)
        return set_query_param(self._current, self.spec.cursor_param, cursor)

    def _stop(self, reason: StopReason) -> str | None:
        self.stop_reason = reason
        return None


def _body_value(body: str | bytes, path: str) -> object:
    """The value at GJSON `path` in `body`; None when missing or unreadable."""
    if not path or not body:
        return None
    try:
        result = gjson.get(body, path)
    except ValueError:  # ExpressionError is a ValueError; an invalid path finds nothing
        return None
    return result.value if result.exists else None


def _body_text(body: str | bytes, path: str) -> str:
    """A string or number at `path` as text (a next link, a cursor); "" otherwise."""
    value = _body_value(body, path)
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return json.dumps(value)
    return value.strip() if isinstance(value, str) else ""
