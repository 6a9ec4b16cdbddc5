"""What the cap (G3) is per, over real HTTP through the real executor: two integrations of
one template at the same helpdesk account share one cap of N; at different accounts each
has its own N. On SQLite (one process) and PostgreSQL (slot leases). And a request that
finds no free slot fails retryably."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ringdesk.errors import HelpdeskError
from ringdesk.http.client import Executor
from ringdesk.http.limits import ConcurrencyLimiter
from ringdesk.http.request import HelpdeskRequest
from ringdesk.http.requestlog import RequestLog
from tests.integrations.support import (
    FakeHelpdesk,
    Handler,
    add_integration,
    insert_template,
    make_state,
    send,
    template_xml,
)
from tests.live import serve_app

CAP = 3
REQUESTS = 24  # per integration


class Gauge:
    """Requests in flight at both helpdesks together (each server runs in its own thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def handler(self, seconds: float) -> Handler:
        async def handle(_: Request) -> Response:
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                await asyncio.sleep(seconds)
            finally:
                with self.lock:
                    self.now -= 1
            return JSONResponse({"ok": True})

        return handle


@pytest.fixture
def desks() -> Iterator[tuple[FakeHelpdesk, str, FakeHelpdesk, str]]:
    one, two = FakeHelpdesk(), FakeHelpdesk()
    with serve_app(one.app()) as url_one, serve_app(two.app()) as url_two:
        yield one, url_one, two, url_two


async def _run(settings, database, url_a: str, url_b: str) -> None:
    insert_template(
        database,
        "desk",
        template_xml(cap=CAP, fields='<Field type="url" name="base_url" title="URL"/>'),
    )
    state = make_state(settings, database)
    try:
        contexts = [
            await state.contexts.load(add_integration(state, "desk", fields={"base_url": url}))
            for url in (url_a, url_b)
        ]
        await asyncio.gather(
            *(
                send(
                    state, ctx, scenario="test", method="GET", url=f"{ctx.variables['base_url']}/x"
                )
                for ctx in contexts
                for _ in range(REQUESTS)
            )
        )
    finally:
        await state.aclose()


# covers G3
async def test_two_integrations_at_one_account_share_one_cap(settings, database, desks):
    desk, url, _, _ = desks
    desk.on("/x", Gauge().handler(0.05))
    await _run(settings, database, url, url)
    assert len(desk.paths("/x")) == 2 * REQUESTS
    assert desk.max_in_flight == CAP  # reached, never exceeded, by both together


# covers G3
async def test_integrations_at_different_accounts_each_get_their_own_cap(settings, database, desks):
    one, url_one, two, url_two = desks
    both = Gauge()
    one.on("/x", both.handler(0.05))
    two.on("/x", both.handler(0.05))
    await _run(settings, database, url_one, url_two)
    assert (len(one.paths("/x")), len(two.paths("/x"))) == (REQUESTS, REQUESTS)
    assert (one.max_in_flight, two.max_in_flight) == (CAP, CAP)
    assert both.most > CAP  # not one shared cap: both accounts were served at once


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.pg
async def test_no_free_slot_is_a_retryable_failure(settings, database, desks):
    """A request that waits in vain for a slot (another process holds them all) fails
    retryably, so its job is retried later, never failed for good."""
    desk, url, _, _ = desks
    desk.on("/x", Gauge().handler(0))
    insert_template(
        database,
        "desk",
        template_xml(cap=1, fields='<Field type="url" name="base_url" title="URL"/>'),
    )
    state = make_state(settings, database)
    executor = Executor(
        settings,
        request_log=RequestLog(database, retention=100),
        limiter=ConcurrencyLimiter(database, wait_seconds=0.3),
    )
    try:
        ctx = await state.contexts.load(add_integration(state, "desk", fields={"base_url": url}))
        other_process = ConcurrencyLimiter(database)
        async with other_process.slot(ctx.cap_key, 1):
            with pytest.raises(HelpdeskError, match="no free request slot") as caught:
                await executor.send(ctx, HelpdeskRequest("GET", f"{url}/x"), scenario="test")
        assert caught.value.retryable
        response = await executor.send(ctx, HelpdeskRequest("GET", f"{url}/x"), scenario="test")
        assert response.status == 200  # the slot is free again once released
    finally:
        await executor.aclose()
        await state.aclose()
