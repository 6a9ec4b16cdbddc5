"""Drive a built-in template through the real ringdesk flows against a vendor fixture.

The contract tests (`test_<vendor>_template.py`) use this to run every scenario end to end
over real HTTP: connect (OAuth2 code exchange included), user sync, the screen pop of a
ringing call, and the durable jobs of an ended call (contact, created contact, call log,
ticket) run by the real outbox worker.

Vendors whose API lives on a fixed host (`https://api.helpscout.net`,
`https://auth.atlassian.com`) are reached through `Routed`, an httpx transport that sends
requests for those hosts to the fixture's loopback port, still over a real socket, with the
original `Host` header and `X-Forwarded-Proto: https` (uvicorn trusts it from 127.0.0.1), so
the fixture builds its links with the vendor's own origin, as the real API would.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from ringdesk.config import Settings
from ringdesk.events.model import CallEvent
from ringdesk.flows.connect import complete_oauth, connect
from ringdesk.flows.intake import store_event
from ringdesk.flows.screenpop import handle_ringing
from ringdesk.flows.users import SyncResult, sync_users
from ringdesk.integrations.service import create_integration
from ringdesk.runtime import outbox_worker
from ringdesk.services import Services
from ringdesk.store.tables import HelpdeskUser, Integration, OutboxJob
from tests.services import test_services

__all__ = [
    "CALL_TIME",
    "Desk",
    "RecordingClock",
    "Routed",
    "open_desk",
]

CALL_TIME = 1767348000  # 2026-01-02 10:00:00 UTC


class Routed(httpx.AsyncBaseTransport):
    """Requests for the hosts in `routes` (host → fixture base URL) go to the fixture."""

    def __init__(self, routes: dict[str, str]) -> None:
        self.routes = routes
        self.inner = httpx.AsyncHTTPTransport(retries=0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = self.routes.get(request.url.host)
        if target is not None:
            base = httpx.URL(target)
            headers = httpx.Headers(request.headers)
            headers["X-Forwarded-Proto"] = request.url.scheme
            request = httpx.Request(
                request.method,
                request.url.copy_with(scheme=base.scheme, host=base.host, port=base.port),
                headers=headers,
                stream=request.stream,
                extensions=request.extensions,
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class RecordingClock:
    """Wall time, and waits that are recorded instead of slept (the Retry-After checks)."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)


@dataclass
class Desk:
    """One ringdesk (real services) with one integration of the template under test."""

    services: Services
    clock: RecordingClock
    integration_id: int = 0
    pops: list[dict[str, Any]] = field(default_factory=list)

    async def create(
        self, template_id: str, fields: dict[str, str], options: dict[str, Any]
    ) -> int:
        with self.services.database.session() as session:
            row = create_integration(
                session,
                self.services.crypto,
                template_id=template_id,
                name=template_id,
                fields=fields,
                options=options,
            )
            session.flush()
            self.integration_id = row.id
        return self.integration_id

    async def connect(self) -> dict[str, str]:
        return await connect(self.services, self.integration_id)

    async def authorize(self, code: str = "auth-code-1") -> dict[str, list[str]]:
        """The OAuth2 connect: the authorize URL's query (for assertions), then the
        callback with `code` and the state ringdesk put in that URL."""
        started = await self.connect()
        assert started["status"] == "redirect", started
        query = parse_qs(urlsplit(started["url"]).query)
        await complete_oauth(self.services, code, query["state"][0])
        return query

    def status(self) -> str:
        with self.services.database.session() as session:
            row = session.get(Integration, self.integration_id)
            assert row is not None
            return row.status

    async def sync_users(self) -> SyncResult:
        ctx = await self.services.contexts.load(self.integration_id)
        return await sync_users(self.services, ctx)

    def assign_extension(self, user_id: str, extension: str) -> None:
        with self.services.database.session() as session:
            user = session.scalars(
                select(HelpdeskUser).where(
                    HelpdeskUser.integration_id == self.integration_id,
                    HelpdeskUser.user_id == user_id,
                )
            ).one()
            user.extension = extension

    def users(self) -> list[HelpdeskUser]:
        with self.services.database.session() as session:
            query = select(HelpdeskUser).where(HelpdeskUser.integration_id == self.integration_id)
            return list(session.scalars(query))

    async def ring(self, number: str, call_id: str, *, name: str = "") -> dict[str, Any]:
        """A ringing call (what `intake.accept` does, in two visible steps): store it with
        its jobs, then the live screen pop, whose result is returned."""
        event = _event("call.ringing", call_id, number, name)
        assert store_event(self.services, event, source="test")
        [pop] = await handle_ringing(self.services, event)
        self.pops.append(pop)
        return pop

    async def end(
        self, number: str, call_id: str, *, name: str = "", drain: bool = True, **fields: Any
    ) -> None:
        """The call ends; its jobs (contact, call log, ticket) are delivered (with `drain`
        False, only what is due now: a job put off by a 429 stays pending)."""
        event = _event("call.ended", call_id, number, name, **fields)
        assert store_event(self.services, event, source="test")
        await self.drain(rounds=10 if drain else 1)

    async def drain(self, rounds: int = 10) -> None:
        """Make every pending job due and run the worker, until none is pending (at most
        `rounds` times: a job put off by a 429 in the last round stays pending)."""
        worker = outbox_worker(self.services)
        for _ in range(rounds):
            with self.services.database.session() as session:
                query = select(OutboxJob).where(OutboxJob.status == "pending")
                waiting = list(session.scalars(query))
                for job in waiting:
                    job.next_attempt_at = 0
            if not waiting:
                return
            await worker.run_until_idle()

    def jobs(self, kind: str | None = None) -> list[OutboxJob]:
        with self.services.database.session() as session:
            query = select(OutboxJob).order_by(OutboxJob.id)
            if kind is not None:
                query = query.where(OutboxJob.kind == kind)
            return list(session.scalars(query))


def _event(type_: str, call_id: str, number: str, name: str, **fields: Any) -> CallEvent:
    data: dict[str, Any] = {
        "type": type_,
        "call_id": call_id,
        "direction": "inbound",
        "from": {"number": number, "name": name},
        "to": {"number": "1001", "name": "Front desk"},
        "extension": "1001",
        "timestamp": CALL_TIME,
    }
    if type_ == "call.ended":
        data.update(status="answered", talk_seconds=205, answered_by="1001")
    data.update(fields)
    return CallEvent.model_validate(data)


def open_desk(settings: Settings, routes: dict[str, str] | None = None) -> Desk:
    """Real services over a `Routed` transport (when `routes`) and a recording clock."""
    clock = RecordingClock()
    options: dict[str, Any] = {"clock": clock}
    if routes:
        options["transport"] = Routed(routes)
    return Desk(test_services(settings, **options), clock)
