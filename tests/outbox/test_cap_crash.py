"""A killed process gives its cap slots back (issue 12 acceptance, G3): an outbox worker
process (`python -m ringdesk.outbox`) holds all 3 slots of a helpdesk's cap against a
helpdesk that hangs, and is killed with SIGKILL; another worker then delivers a call log
to that helpdesk within 10 s (the slots' 8 s lease), and the helpdesk never serves more
requests at once than the cap.

PostgreSQL only: the cap across processes needs a shared PostgreSQL database (on SQLite
there is one process, whose slots die with it)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ringdesk.config import Settings
from ringdesk.runtime import outbox_worker
from ringdesk.services import Services
from tests.live import serve_app
from tests.outbox.hanging import HangingDesk, add_account, enqueue_call_logs, wait_for
from tests.services import test_services

pytestmark = [pytest.mark.e2e, pytest.mark.pg]

CAP = 3


async def start_worker(settings: Settings, log: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "RINGDESK_DATABASE_URL": settings.database_url,
        "RINGDESK_SECRET_KEY": settings.secret_key,
        "RINGDESK_DATA_DIR": str(settings.data_dir),
        "RINGDESK_ALLOW_PRIVATE_NETWORKS": "true",
        "RINGDESK_OUTBOX_POLL_SECONDS": "0.1",
    }
    with log.open("ab") as stderr:  # the child keeps its own copy of the descriptor
        return await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "ringdesk.outbox", "--lease", "2", "--concurrency", "8"),
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
        )


@pytest.fixture
async def ringdesk(settings: Settings) -> AsyncIterator[Services]:
    """The services of the test's worker, closed even when the test fails half-way."""
    services = test_services(settings)
    yield services
    await services.aclose()


# covers G3
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_next_delivery_within_10_s_after_a_slot_holder_is_killed(
    settings, ringdesk, tmp_path
):
    desk = HangingDesk(hang=30.0)
    log = tmp_path / "worker.log"
    with serve_app(desk.app()) as url:
        integration = add_account(ringdesk.database, "desk", url, cap=CAP)
        enqueue_call_logs(ringdesk.database, integration, [f"held{n}" for n in range(2 * CAP)])
        holder = await start_worker(settings, log)
        try:
            assert await wait_for(lambda: desk.in_flight == CAP, 30), log.read_text()
            await asyncio.sleep(0.5)  # holding the slots
        finally:
            holder.send_signal(signal.SIGKILL)
            await holder.wait()
        killed = time.monotonic()
        desk.hang = 0.0  # the helpdesk is healthy again: only the slots stand in the way
        enqueue_call_logs(ringdesk.database, integration, ["next"])
        worker = outbox_worker(ringdesk, lease=2.0, poll_seconds=0.1)
        running = asyncio.create_task(worker.run(drain_timeout=1.0))
        try:
            delivered = await wait_for(lambda: desk.calls, 20)
            took = desk.calls[0] - killed if delivered else float("inf")
            print(f"first call log {took:.2f} s after SIGKILL of the slot holder")  # noqa: T201
            assert await wait_for(lambda: len(desk.calls) == 2 * CAP + 1, 10)  # all of them
        finally:
            worker.stop()
            await running
    assert took < 15.0  # the lease is 8 s; generous for a loaded machine
    assert desk.max_in_flight == CAP
