"""Crash safety (L3): a worker in another process is SIGKILLed mid-delivery while the demo
helpdesk is answering 503, then restarted; every call log still arrives exactly once.

A repeat that reaches the helpdesk after a kill (it had answered, the worker died before
recording it) carries the same Idempotency-Key and is replayed from the key, never stored
twice: the demo's duplicate counter (same call_id stored twice) stays 0.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from ringdesk.demo.app import DEFAULT_API_TOKEN, create_demo_app
from ringdesk.demo.store import DemoStore, Fault
from ringdesk.flows.intake import store_event
from ringdesk.store.tables import CallMatch, Integration, OutboxJob
from ringdesk.store.templates import seed_builtin_safely
from tests.e2e.test_delivery import event
from tests.live import serve_app
from tests.services import test_services

pytestmark = pytest.mark.e2e

CALLS = 30


def start_worker(settings, log_path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RINGDESK_DATABASE_URL": settings.database_url,
        "RINGDESK_SECRET_KEY": settings.secret_key,
        "RINGDESK_DATA_DIR": str(settings.data_dir),
        "RINGDESK_ALLOW_PRIVATE_NETWORKS": "true",
        "RINGDESK_OUTBOX_POLL_SECONDS": "0.1",
    }
    with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ringdesk.outbox",
                "--lease",
                "2",
                "--concurrency",
                "8",
                "--retry-base",
                "0.2",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def done_count(database, kind: str = "call_log") -> int:
    with database.session() as session:
        return session.scalar(
            select(func.count(OutboxJob.id)).where(
                OutboxJob.status == "done", OutboxJob.kind == kind
            )
        )


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# SQLite only: the PostgreSQL claim path is exercised across processes in
# tests/e2e/test_delivery_pg.py.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sigkilled_worker_loses_and_duplicates_nothing(settings, tmp_path):
    log_path = tmp_path / "worker.log"
    store = DemoStore()
    store.set_fault(Fault(status=503, count=8, retry_after=0, latency_ms=50))
    state = test_services(settings)
    with serve_app(create_demo_app(store=store)) as url:
        integration = add_demo_integration(state, url)
        with state.database.session() as session:
            for n in range(CALLS):
                # As if the ringing flow had matched the caller (no live lookup per log).
                session.add(
                    CallMatch(
                        integration_id=integration,
                        call_id=f"k{n}",
                        contact_type="Contacts",
                        contact_id=f"c-{n}",
                        fields={"FirstName": "Ada"},
                    )
                )
        for n in range(CALLS):
            assert store_event(state, event(call_id=f"k{n}"), source="test")
        for threshold in (5, 15):
            worker = start_worker(settings, log_path)
            try:
                # Kill while requests are in flight: after some logs have arrived.
                assert wait_until(lambda t=threshold: len(store.calls) >= t, 60), (
                    log_path.read_text()
                )
            finally:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
        worker = start_worker(settings, log_path)
        try:
            assert wait_until(lambda: done_count(state.database) == CALLS, 60), log_path.read_text()
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
    await state.aclose()

    snapshot = store.snapshot()
    assert snapshot["duplicates"] == 0
    calls = Counter(record["call_id"] for record in snapshot["records"]["calls"])
    assert calls == Counter({f"k{n}": 1 for n in range(CALLS)})
    assert {r["contact_id"] for r in snapshot["records"]["calls"]} == {
        f"c-{n}" for n in range(CALLS)
    }


def add_demo_integration(state, url: str, *, ticket: bool = False) -> int:
    """The built-in demo template, connected with the demo's API token."""
    seed_builtin_safely(state.database)  # what the service does at start: seed the built-ins
    with state.database.session() as session:
        row = Integration(
            template_id="demo",
            name="Demo",
            status="connected",
            fields={"base_url": url},
            secrets=state.crypto.encrypt({"api_token": DEFAULT_API_TOKEN}),
            options={"ticket": {"enabled": ticket}},
        )
        session.add(row)
        session.flush()
        return row.id
