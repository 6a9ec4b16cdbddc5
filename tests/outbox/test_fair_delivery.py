"""Fair delivery (issue 12 acceptance): helpdesk A hangs 30 s per request with 1,000 call
logs queued; integration B's one call log still arrives within 5 s, whether B uses A's
template (another helpdesk account: its own cap) or a template of its own. A's helpdesk
never sees more requests in flight than its cap (G3). Real worker, real HTTP, both
databases."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from ringdesk.config import Settings
from ringdesk.runtime import outbox_worker
from ringdesk.services import Services
from tests.live import serve_app
from tests.outbox.hanging import (
    HangingDesk,
    add_account,
    backlog,
    enqueue_call_logs,
    wait_for,
)
from tests.services import test_services

pytestmark = pytest.mark.e2e

CAP = 3
BACKLOG = 1000


@pytest.fixture
async def ringdesk(settings: Settings) -> AsyncIterator[Services]:
    """The services of the test's worker, closed even when the test fails half-way."""
    services = test_services(settings)
    yield services
    await services.aclose()


# covers G3, L3 (fair delivery)
@pytest.mark.parametrize("b_template", ["desk", "other-desk"], ids=["same", "separate"])
async def test_a_hanging_helpdesk_delays_only_its_own_call_logs(ringdesk, b_template):
    a, b = HangingDesk(hang=30.0), HangingDesk()
    with serve_app(a.app()) as url_a, serve_app(b.app()) as url_b:
        integration_a = add_account(ringdesk.database, "desk", url_a, cap=CAP)
        integration_b = add_account(ringdesk.database, b_template, url_b, cap=CAP)
        backlog(ringdesk.database, integration_a, BACKLOG)
        worker = outbox_worker(ringdesk, lease=60.0)
        running = asyncio.create_task(worker.run(drain_timeout=0.5))
        try:
            # A's helpdesk is saturated (and the worker holds more of A's jobs waiting).
            assert await wait_for(lambda: a.in_flight == CAP, 15), a.in_flight
            await asyncio.sleep(0.5)
            queued = time.monotonic()
            enqueue_call_logs(ringdesk.database, integration_b, ["b0"])
            delivered = await wait_for(lambda: b.calls, 10)
            took = b.calls[0] - queued if delivered else float("inf")
            print(f"B's call log after {took:.2f} s (A: {BACKLOG} queued, hanging)")  # noqa: T201
        finally:
            worker.stop()  # A's requests in flight are cancelled, their jobs handed back
            try:
                await running
                await asyncio.sleep(0.3)  # the helpdesk sees the cancelled requests leave
            finally:
                a.hang = 0.0  # nothing may hold the server's shutdown
    assert took < 5.0
    assert a.max_in_flight == CAP  # reached, never exceeded
    assert a.calls == []  # A really hung all along
