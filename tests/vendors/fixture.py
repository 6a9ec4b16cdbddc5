"""Shared machinery of the vendor fixture helpdesks: routing, recording, auth, faults, paging.

A vendor module describes its API as data (a list of `Endpoint`s with the documented method,
path, query parameters and required body fields, each citing its documentation page) plus
small handlers and the vendor's error shapes. `VendorFixture` turns that into one Starlette
app that accepts only what is documented and answers everything else the way the vendor does.

A test starts a fixture with `with fixture.serve() as base_url:` (a real uvicorn server on
127.0.0.1), injects faults with `fixture.faults.rate_limit(...)` / `fixture.expire_tokens()`,
and reads what arrived in `fixture.requests`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.live import serve_app
from tests.vendors.auth import AnyAuth, Auth, BasicAuth, TokenAuth, TokenStore

if TYPE_CHECKING:
    from tests.vendors.openapi import VendorSpec

__all__ = [
    "MISSING",
    "AnyAuth",
    "Auth",
    "BasicAuth",
    "Call",
    "Endpoint",
    "Faults",
    "Problem",
    "RecordedRequest",
    "Reply",
    "TokenAuth",
    "TokenStore",
    "VendorFixture",
    "dig",
    "link_header",
    "with_query",
]

MISSING = object()
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fixture received it (header names lower-case)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    body: bytes
    json: Any = None
    form: Mapping[str, str] | None = None

    def param(self, name: str) -> str | None:
        """The first value of query parameter `name`, or None."""
        return next((v for k, v in self.query if k == name), None)

    def params(self, name: str) -> list[str]:
        return [v for k, v in self.query if k == name]


@dataclass(frozen=True)
class Reply:
    """What a handler answers: JSON `body` (None = empty), or raw `text`."""

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    text: str | None = None
    content_type: str = "application/json"

    def encode(self) -> bytes:
        if self.text is not None:
            return self.text.encode()
        return b"" if self.body is None else json.dumps(self.body).encode()


@dataclass(frozen=True)
class Problem:
    """A rejected part of a request: where (query/body/header) and which field."""

    where: str
    field: str
    kind: str  # "missing" | "unknown" | "invalid"
    message: str = ""


@dataclass(frozen=True)
class Endpoint:
    """One documented operation. `body` lists required JSON paths (dotted); each tuple in
    `body_any` needs at least one of its paths present; `query` maps each accepted query
    parameter to whether it is required. `doc` is the public documentation URL."""

    method: str
    path: str
    handler: Callable[[Call], Reply]
    doc: str
    query: Mapping[str, bool] = field(default_factory=dict)
    body: tuple[str, ...] = ()
    body_any: tuple[tuple[str, ...], ...] = ()
    headers: tuple[str, ...] = ()
    auth: bool = True
    form: bool = False
    raw_body: bool = False  # accepts a body that is neither JSON nor form (handler checks it)
    described: bool = True  # part of the vendor's OpenAPI file (token hosts often are not)

    def pattern(self, prefix: str = "") -> re.Pattern[str]:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(prefix + self.path))
        return re.compile(f"^{regex}$")


@dataclass
class Call:
    """What a handler gets: the recorded request, path parameters and the fixture."""

    request: RecordedRequest
    path_params: dict[str, str]
    fixture: VendorFixture
    base_url: str
    principal: str = ""

    @property
    def json(self) -> Any:
        return self.request.json

    def url(self, path: str, **query: Any) -> str:
        return with_query(self.base_url + path, **query)


def dig(data: Any, path: str, default: Any = MISSING) -> Any:
    """`a.b.0.c` lookup in nested dicts/lists; `default` (MISSING) when absent."""
    node = data
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return default
    return node


def with_query(url: str, **query: Any) -> str:
    pairs = [(k, str(v)) for k, v in query.items() if v is not None]
    return f"{url}?{urlencode(pairs)}" if pairs else url


def link_header(links: Mapping[str, str]) -> str:
    """An RFC 8288 `Link` header value: `<url>; rel="next", …`."""
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())


# --- faults ----------------------------------------------------------------------------------


@dataclass
class Faults:
    """Test hooks. `rate_limit(times)` makes the next `times` requests get the vendor's 429."""

    rate_limited: int = 0
    retry_after: int = 7

    def rate_limit(self, times: int = 1, retry_after: int = 7) -> None:
        self.rate_limited = times
        self.retry_after = retry_after

    def take_rate_limit(self) -> bool:
        if self.rate_limited <= 0:
            return False
        self.rate_limited -= 1
        return True


# --- the fixture -----------------------------------------------------------------------------


class VendorFixture:
    """Base of every vendor fixture: subclasses set `name`, `auth`, `endpoints()` and the
    error shapes; this class routes, records, checks auth/query/body, injects faults and
    (when `spec` is set) validates each request and response against the OpenAPI file."""

    name: ClassVar[str] = "vendor"
    path_prefixes: ClassVar[tuple[str, ...]] = ("",)

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.faults = Faults()
        self.openapi_errors: list[str] = []
        self.spec: VendorSpec | None = None
        self.tokens = TokenStore(rotate=False)
        self.auth: Auth = AnyAuth([])
        self._endpoints: list[tuple[re.Pattern[str], Endpoint]] = []

    # vendor hooks ---------------------------------------------------------------------------
    def endpoints(self) -> list[Endpoint]:
        raise NotImplementedError

    def unauthorized(self, call: Call) -> Reply:
        return Reply(401, {"error": "unauthorized"})

    def expired(self, call: Call) -> Reply:
        return self.unauthorized(call)

    def rate_limited(self, retry_after: int) -> Reply:
        return Reply(429, {"error": "rate limited"}, {"Retry-After": str(retry_after)})

    def not_found(self, call: Call) -> Reply:
        return Reply(404, {"error": "not found"})

    def method_not_allowed(self, call: Call, allowed: list[str]) -> Reply:
        return Reply(405, {"error": "method not allowed"}, {"Allow": ", ".join(allowed)})

    def invalid(self, call: Call, problems: list[Problem]) -> Reply:
        return Reply(400, {"errors": [p.__dict__ for p in problems]})

    def check_headers(self, call: Call, endpoint: Endpoint) -> Reply | None:
        """Vendor-specific header rules (Zoho's orgId, Jira's experimental opt-in)."""
        return None

    # test hooks -----------------------------------------------------------------------------
    def expire_tokens(self) -> None:
        """Every access token issued so far now gets the vendor's token-expiry reply."""
        self.tokens.expire_all()

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve on a free 127.0.0.1 port for the block; yields the base URL."""
        with serve_app(self.app()) as url:
            yield url

    # machinery ------------------------------------------------------------------------------
    def app(self) -> Starlette:
        self._endpoints = [
            (endpoint.pattern(prefix), endpoint)
            for endpoint in self.endpoints()
            for prefix in self.path_prefixes
        ]
        return Starlette(routes=[Route("/{path:path}", self._dispatch, methods=ALL_METHODS)])

    async def _dispatch(self, request: Request) -> Response:
        recorded = await _record(request)
        self.requests.append(recorded)
        base_url = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
        call = Call(recorded, {}, self, base_url)
        reply, endpoint = self._handle(call)
        if self.spec is not None and endpoint is not None and endpoint.described:
            self.openapi_errors += self.spec.check(recorded, base_url, reply)
        return Response(
            reply.encode(),
            reply.status,
            headers=dict(reply.headers),
            media_type=reply.content_type if (reply.body is not None or reply.text) else None,
        )

    def _handle(self, call: Call) -> tuple[Reply, Endpoint | None]:
        request = call.request
        matches = [(p.match(request.path), e) for p, e in self._endpoints]
        matches = [(m, e) for m, e in matches if m]
        if not matches:
            return self.not_found(call), None
        chosen = next(((m, e) for m, e in matches if e.method == request.method), None)
        if chosen is None:
            allowed = sorted({e.method for _, e in matches})
            return self.method_not_allowed(call, allowed), None
        match, endpoint = chosen
        call.path_params = match.groupdict()
        if self.faults.take_rate_limit():
            return self.rate_limited(self.faults.retry_after), endpoint
        if endpoint.auth:
            verdict, principal = self.auth.check(request.headers)
            if verdict == "expired":
                return self.expired(call), endpoint
            if verdict != "ok":
                return self.unauthorized(call), endpoint
            call.principal = principal
        header_reply = self.check_headers(call, endpoint)
        if header_reply is not None:
            return header_reply, endpoint
        problems = _query_problems(request, endpoint) + _body_problems(request, endpoint)
        if problems:
            return self.invalid(call, problems), endpoint
        return endpoint.handler(call), endpoint


async def _record(request: Request) -> RecordedRequest:
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    parsed: Any = None
    form: dict[str, str] | None = None
    if body and "json" in content_type:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = MISSING
    elif body and "x-www-form-urlencoded" in content_type:
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
    return RecordedRequest(
        method=request.method,
        path=request.url.path,
        query=tuple(parse_qsl(request.url.query, keep_blank_values=True)),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        json=parsed,
        form=form,
    )


def _query_problems(request: RecordedRequest, endpoint: Endpoint) -> list[Problem]:
    names = {name for name, _ in request.query}
    problems = [Problem("query", n, "unknown") for n in sorted(names - set(endpoint.query))]
    problems += [
        Problem("query", n, "missing")
        for n, required in endpoint.query.items()
        if required and n not in names
    ]
    return problems


def _body_problems(request: RecordedRequest, endpoint: Endpoint) -> list[Problem]:
    if request.method == "GET":
        return []
    if endpoint.form:
        data: Any = request.form
        if data is None:
            return [Problem("body", "", "invalid", "expected a form-encoded body")]
    elif endpoint.raw_body:
        return []
    else:
        data = request.json
        if not endpoint.body and not endpoint.body_any and not request.body:
            return []
        if data is None or data is MISSING:
            return [Problem("body", "", "invalid", "expected a JSON body")]
    problems = [
        Problem("body", path, "missing") for path in endpoint.body if _blank(dig(data, path))
    ]
    for group in endpoint.body_any:
        if all(_blank(dig(data, path)) for path in group):
            problems.append(Problem("body", " or ".join(group), "missing"))
    return problems


def _blank(value: Any) -> bool:
    return value is MISSING or value is None or value == "" or value == [] or value == {}
