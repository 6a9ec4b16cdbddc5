"""Support for the cap and fairness acceptance tests: a helpdesk that can hang, counting
the requests it has in flight, and call-log jobs for integrations whose template takes the
helpdesk's address from a `url` connect field (so two integrations of one template can
point at different helpdesk accounts)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ringdesk.store.db import Database
from ringdesk.store.outbox import enqueue
from ringdesk.store.tables import Integration, OutboxJob, TemplateRow
from tests.e2e.test_delivery import event
from tests.outbox.helpers import template_xml


class HangingDesk:
    """Answers call logs at once, or holds each one `hang` seconds first. A held request
    ends early when its client goes away (as a killed process's does), so `in_flight` is
    what the helpdesk is really serving. `max_in_flight` is the most it ever served at
    once; `calls` are the arrival times (monotonic) of the call logs it stored."""

    def __init__(self, hang: float = 0.0) -> None:
        self.hang = hang
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls: list[float] = []

    async def _calls(self, request: Request) -> Response:
        arrived = time.monotonic()
        await request.body()
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            while True:
                if await request.is_disconnected():
                    return Response(status_code=499)  # not stored: its client went away
                if time.monotonic() - arrived >= self.hang:
                    break
                await asyncio.sleep(0.05)
            with self.lock:
                self.calls.append(time.monotonic())
                number = len(self.calls)
            return JSONResponse({"data": {"id": f"calls-{number}"}}, status_code=201)
        finally:
            with self.lock:
                self.in_flight -= 1

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/calls", self._calls, methods=["POST"])])


def cap_template(cap: int) -> str:
    """fake_desk.xml with the helpdesk address in a `base_url` connect field and a cap."""
    xml = template_xml("{{.base_url}}", ticket=False, search=False)
    return xml.replace(
        '<Authentication method="none"/>',
        '<Authentication method="none"><Fields>'
        '<Field type="url" name="base_url" title="Base URL"/></Fields></Authentication>',
    ).replace(
        "<MaxConcurrentRequests>8</MaxConcurrentRequests>",
        f"<MaxConcurrentRequests>{cap}</MaxConcurrentRequests>",
    )


def add_account(database: Database, template_id: str, url: str, *, cap: int) -> int:
    """A connected integration of `template_id` (created with a cap of `cap` if new) at the
    helpdesk `url`."""
    with database.session() as session:
        if session.get(TemplateRow, template_id) is None:
            session.add(TemplateRow(id=template_id, name=template_id, xml=cap_template(cap)))
            session.flush()
        row = Integration(
            template_id=template_id, name=url, status="connected", fields={"base_url": url}
        )
        session.add(row)
        session.flush()
        return row.id


def _job(integration_id: int, call_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "idempotency_key": f"call_log:{integration_id}:{call_id}:u-1001",
        "payload": {
            "event": {**payload, "call_id": call_id},
            "extension": "1001",
            "owner": "u-1001",
        },
    }


def enqueue_call_logs(database: Database, integration_id: int, calls: list[str]) -> None:
    """Queue one call-log job per call id, as the ended-call flow does (`enqueue`)."""
    payload = event().as_payload()
    with database.session() as session:
        for call_id in calls:
            enqueue(
                session,
                kind="call_log",
                integration_id=integration_id,
                now=time.time(),
                **_job(integration_id, call_id, payload),
            )


def backlog(database: Database, integration_id: int, count: int) -> None:
    """`count` pending call-log jobs in one statement: the rows `enqueue` writes, without
    its per-job check (seconds per thousand on a loaded PostgreSQL)."""
    payload = event().as_payload()
    now = time.time()
    rows = [
        {
            **_job(integration_id, f"backlog{n}", payload),
            "kind": "call_log",
            "integration_id": integration_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "priority": 1,
        }
        for n in range(count)
    ]
    with database.session() as session:
        session.execute(insert(OutboxJob), rows)


async def wait_for(predicate: Callable[[], Any], seconds: float) -> bool:
    """Poll `predicate` without blocking the event loop (the worker may run on it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return bool(predicate())
