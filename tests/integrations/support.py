"""Test support for integrations, auth and the executor: template XML builders, services
bound to the test's event loop, and a scriptable fake helpdesk served over real sockets
(`tests.live.serve_app`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.services import test_services

from ringdesk.config import Settings
from ringdesk.http.client import HelpdeskResponse
from ringdesk.http.request import HelpdeskRequest
from ringdesk.integrations.context import IntegrationContext
from ringdesk.integrations.service import create_integration
from ringdesk.retry import RetryPolicy
from ringdesk.services import Services
from ringdesk.store.db import Database
from ringdesk.store.tables import TemplateRow
from ringdesk.templates import load_xml
from ringdesk.testing import FAST_RETRY


def template_xml(
    *,
    name: str = "Fake Desk",
    method: str = "none",
    fields: str = "",
    auth: str = "",
    headers: str = "",
    follow_ups: str = "",
    cap: int = 5,
    extra: str = "",
) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<HelpdeskTemplate formatVersion="1">
  <General><Name>{name}</Name><MaxConcurrentRequests>{cap}</MaxConcurrentRequests></General>
  <Authentication method="{method}">
    <Fields>{fields}</Fields>
    {auth}
  </Authentication>
  <Headers>{headers}</Headers>
  <FollowUpRequests>{follow_ups}</FollowUpRequests>
  {extra}
</HelpdeskTemplate>"""


def oauth_xml(
    base: str,
    *,
    content_type: str = "application/x-www-form-urlencoded",
    interval: str = "",
    refresh_body: str | None = None,
    cap: int = 5,
) -> str:
    body = refresh_body or (
        "grant_type=refresh_token&amp;refresh_token={{.RefreshToken}}&amp;client_id={{.client_id}}"
    )
    return template_xml(
        method="oauth2",
        cap=cap,
        fields='<Field type="text" name="client_id" title="Client ID"/>'
        '<Field type="password" name="client_secret" title="Client secret"/>',
        auth=f"""<OAuth2>
      <AuthorizeUrl>{base}/oauth/authorize</AuthorizeUrl>
      <TokenUrl>{base}/oauth/token</TokenUrl>
      <TokenContentType>{content_type}</TokenContentType>
      <Scopes>contacts.read,contacts.write</Scopes>
      <ExtraQuery>audience=api</ExtraQuery>
      <Refresh method="POST" intervalMinutes="{interval}">
        <Url>{base}/oauth/token</Url>
        <ContentType>application/x-www-form-urlencoded</ContentType>
        <Body>{body}</Body>
      </Refresh>
    </OAuth2>""",
    )


def insert_template(database: Database, template_id: str, xml: str) -> None:
    load_xml(xml)  # fail early on a test typo
    with database.session() as session:
        session.add(TemplateRow(id=template_id, name=template_id, builtin=False, xml=xml))


def make_state(
    settings: Settings,
    database: Database | None = None,
    *,
    retry: RetryPolicy = FAST_RETRY,
    **kwargs: Any,
) -> Services:
    """The services, built on the calling test's event loop (`database` is the test's own
    handle on the same database; the services open theirs)."""
    return test_services(settings, retry=retry, **kwargs)


def add_integration(
    state: Services,
    template_id: str,
    *,
    fields: dict[str, Any] | None = None,
    status: str = "connected",
    secrets: dict[str, str] | None = None,
    token_expires_at: float | None = None,
) -> int:
    from ringdesk.store.tables import Integration

    with state.database.session() as session:
        row = create_integration(
            session,
            state.crypto,
            template_id=template_id,
            name="Test",
            fields=fields or {},
            options={},
        )
        row.status = status
        if secrets:
            stored = state.crypto.decrypt(row.secrets)
            stored.update(secrets)
            row.secrets = state.crypto.encrypt(stored)
            row.token_refreshed_at = time.time()
        row.token_expires_at = token_expires_at
        session.flush()
        assert isinstance(row, Integration)
        return row.id


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: dict[str, str]
    at: float


Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class FakeHelpdesk:
    """A helpdesk whose routes are plain async handlers set by each test; it records every
    request and counts how many it serves at once."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def on(self, path: str, handler: Handler) -> None:
        self.handlers[path] = handler

    def paths(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    async def _dispatch(self, request: Request) -> Response:
        body = await request.body()
        self.seen.append(
            Seen(
                request.method,
                request.url.path,
                {k.lower(): v for k, v in request.headers.items()},
                body,
                dict(request.query_params),
                time.monotonic(),
            )
        )
        handler = self.handlers.get(request.url.path)
        if handler is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/{path:path}",
                    self._dispatch,
                    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                )
            ]
        )


def json_ok(
    payload: Any = None, status: int = 200, headers: dict[str, str] | None = None
) -> Handler:
    async def handler(_: Request) -> Response:
        return JSONResponse(
            payload if payload is not None else {"ok": True}, status_code=status, headers=headers
        )

    return handler


def sequence(*handlers: Handler) -> Handler:
    """Answer with each handler in turn, repeating the last."""
    queue = list(handlers)

    async def handler(request: Request) -> Response:
        current = queue.pop(0) if len(queue) > 1 else queue[0]
        return await current(request)

    return handler


def slow(seconds: float) -> Handler:
    async def handler(_: Request) -> Response:
        await asyncio.sleep(seconds)
        return JSONResponse({"ok": True})

    return handler


# For tests where the database engine makes no difference (the suite must stay fast);
# locking, leases and trims run on both engines.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def send(
    services: Services,
    ctx: IntegrationContext,
    *,
    scenario: str,
    method: str,
    url: str,
    body: str | bytes | None = None,
    content_type: str | None = "application/json",
    extra_headers: dict[str, str] | None = None,
    idempotency_key: str | None = None,
    apply_auth: bool = True,
    apply_custom_headers: bool = True,
    capture: list[Any] | None = None,
) -> HelpdeskResponse:
    """One request through the real executor, as a flow would send it: the integration's
    custom headers (unless told not to), a JSON content type for a body, its credentials."""
    headers: dict[str, str] = dict(ctx.scenario_headers) if apply_custom_headers else {}
    if content_type and body is not None:
        headers["Content-Type"] = content_type
    headers.update(extra_headers or {})
    request = HelpdeskRequest(
        method=method, url=url, headers=headers, body=body, idempotency_key=idempotency_key
    )
    return await services.send(
        ctx, request, scenario=scenario, authenticated=apply_auth, capture=capture
    )
