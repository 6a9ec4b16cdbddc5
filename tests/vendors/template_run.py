"""Drive a built-in template end to end against a vendor fixture, through ringdesk's real
API, flows, outbox worker and executor (issue 15, contract tests).

`running(settings, fixture, hosts)` serves the fixture on loopback, builds the real services
with a transport that sends the vendor's public hosts (`acme.zendesk.com`,
`api.hubapi.com`, …) to it, and yields a `Ringdesk` whose methods are the steps an admin and
a PBX take: create and connect an integration over the REST API (the OAuth2 browser hop
included), sync users, tie one to an extension, post signed call events, watch the agent's
screen pop, and let the outbox deliver. The templates keep their real URLs; only the
socket they reach is the fixture's.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from ringdesk.api.app import create_app
from ringdesk.config import Settings
from ringdesk.events.webhook import SIGNATURE_HEADER, sign
from ringdesk.runtime import outbox_worker
from ringdesk.services import Services
from ringdesk.store.admin import create_token
from ringdesk.store.tables import OutboxJob
from ringdesk.store.templates import seed_builtin
from tests.services import test_services
from tests.vendors.fixture import VendorFixture

__all__ = ["EXTENSION", "Ringdesk", "VendorHosts", "running"]

EXTENSION = "1001"
_STARTED = 1732521600  # 2024-11-25 08:00:00 UTC


class VendorHosts(httpx.AsyncBaseTransport):
    """Sends requests for the named public hosts to the fixture (http on loopback) and lets
    requests to the fixture's own address (the next-page links it writes) through; any other
    host is refused, so a template that calls somewhere unexpected fails the test. Keeps
    (monotonic time, method, original URL) of every request."""

    def __init__(self, hosts: list[str], base_url: str) -> None:
        self.hosts = set(hosts)
        self.target = httpx.URL(base_url)
        self.inner = httpx.AsyncHTTPTransport(retries=0)
        self.sent: list[tuple[float, str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.host in self.hosts:
            url = url.copy_with(scheme="http", host=self.target.host, port=self.target.port)
        elif (url.host, url.port) != (self.target.host, self.target.port):
            raise httpx.ConnectError(f"the test routes no traffic to {url.host}")
        self.sent.append((time.monotonic(), request.method, str(request.url)))
        # With a stream given, httpx.Request adds no Host header of its own: set it here.
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"host"]
        headers.insert(0, (b"Host", url.netloc))
        forwarded = httpx.Request(
            request.method,
            url,
            headers=headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return await self.inner.handle_async_request(forwarded)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Ringdesk:
    """ringdesk, running over the test's database, reached through its REST API."""

    services: Services
    api: httpx.AsyncClient
    hosts: VendorHosts
    fixture: VendorFixture
    integration_id: int = 0
    calls: int = field(default=0)

    # --- admin steps ------------------------------------------------------------------------
    async def create(
        self, template_id: str, fields: dict[str, str], options: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        response = await self.api.post(
            "/integrations",
            json={
                "template_id": template_id,
                "name": template_id,
                "fields": fields,
                "options": options or {},
            },
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        self.integration_id = int(created["id"])
        return created

    async def connect(self) -> dict[str, Any]:
        response = await self.api.post(f"/integrations/{self.integration_id}/connect")
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def authorize(self, authorize_url: str, code: str = "auth-code-1") -> dict[str, Any]:
        """What the helpdesk's consent page does: send the browser back to the redirect_uri
        with a code and the state. Returns the callback's answer."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        callback = urlsplit(query["redirect_uri"])
        response = await self.api.get(
            callback.path.removeprefix("/api/v1"),
            params={"code": code, "state": query["state"]},
            headers={"Accept": "application/json", "Authorization": ""},
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def integration(self) -> dict[str, Any]:
        response = await self.api.get(f"/integrations/{self.integration_id}")
        result: dict[str, Any] = response.json()
        return result

    async def patch_fields(self, fields: dict[str, str]) -> None:
        response = await self.api.patch(
            f"/integrations/{self.integration_id}", json={"fields": fields}
        )
        assert response.status_code == 200, response.text

    async def sync_users(self) -> dict[str, Any]:
        response = await self.api.post(f"/integrations/{self.integration_id}/users/sync")
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def users(self) -> list[dict[str, Any]]:
        response = await self.api.get(f"/integrations/{self.integration_id}/users")
        result: list[dict[str, Any]] = response.json()
        return result

    async def link(self, user_id: str, extension: str = EXTENSION) -> None:
        response = await self.api.put(
            f"/integrations/{self.integration_id}/users/{user_id}/extension",
            json={"extension": extension},
        )
        assert response.status_code == 200, response.text

    # --- the PBX ----------------------------------------------------------------------------
    async def event(self, kind: str, call_id: str, number: str, **extra: Any) -> None:
        body: dict[str, Any] = {
            "type": kind,
            "call_id": call_id,
            "direction": "inbound",
            "from": {"number": number, "name": ""},
            "to": {"number": EXTENSION},
            "extension": EXTENSION,
            "timestamp": _STARTED,
        }
        body.update(extra)
        raw = json.dumps(body).encode()
        secret = self.services.settings.resolved_webhook_secret()
        response = await self.api.post(
            "/events",
            content=raw,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, secret)},
        )
        assert response.status_code == 200, response.text

    async def ring(self, call_id: str, number: str) -> dict[str, Any]:
        """A ringing call for the extension; returns the screen pop the agent's page got."""
        with self.services.hub.subscribe(EXTENSION) as subscription:
            await self.event("call.ringing", call_id, number)
            pop = await subscription.get(10)
        assert pop is not None, "no screen pop within 10 s"
        await self.services.tasks.drain()
        return pop

    async def end(self, call_id: str, number: str, *, answered: bool) -> None:
        extra: dict[str, Any] = (
            {"status": "answered", "talk_seconds": 205, "answered_by": EXTENSION}
            if answered
            else {"status": "no_answer", "talk_seconds": 0}
        )
        extra["recording_url"] = "https://pbx.example.com/rec/42.wav" if answered else ""
        # The PBX stamps a call.ended event with the call's start (flows.variables).
        await self.event("call.ended", call_id, number, **extra)

    # --- the outbox -------------------------------------------------------------------------
    async def deliver(self) -> int:
        """One pass of the real worker over the jobs due now."""
        return await outbox_worker(self.services).run_until_idle()

    async def drain(self, rounds: int = 10) -> None:
        """Deliver until nothing is pending, skipping backoff waits."""
        for _ in range(rounds):
            await self.deliver()
            with self.services.database.session() as session:
                pending = list(
                    session.scalars(select(OutboxJob).where(OutboxJob.status == "pending"))
                )
                for job in pending:
                    job.next_attempt_at = 0
            if not pending:
                return

    def jobs(self, kind: str | None = None) -> list[OutboxJob]:
        with self.services.database.session() as session:
            query = select(OutboxJob).order_by(OutboxJob.id)
            if kind is not None:
                query = query.where(OutboxJob.kind == kind)
            rows = list(session.scalars(query))
            session.expunge_all()
            return rows

    def sent_after(self, index: int) -> list[tuple[float, str, str]]:
        return self.hosts.sent[index:]


def _with_state(app: Any, state: dict[str, Any]) -> Any:
    """The app called with its lifespan state, as a server hands it over (the ASGI
    lifespan-state extension); `ringdesk.web.apiclient` does the same in process."""

    async def call(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await app({**scope, "state": dict(state)}, receive, send)

    return call


@asynccontextmanager
async def running(
    settings: Settings, fixture: VendorFixture, hosts: list[str]
) -> AsyncIterator[Ringdesk]:
    """ringdesk and the served fixture; `hosts` are the vendor hosts the template names."""
    with fixture.serve() as base_url:
        transport = VendorHosts(hosts, base_url)
        services = test_services(settings, transport=transport)
        with services.database.session() as session:
            seed_builtin(session)
            token = create_token(session, "contract-test")
        app = _with_state(create_app(services=services), {"services": services})
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://ringdesk.test/api/v1",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            ) as api:
                yield Ringdesk(services, api, transport, fixture)
        finally:
            await services.tasks.drain()
            await services.aclose()
