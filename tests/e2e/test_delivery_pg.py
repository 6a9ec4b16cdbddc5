"""Two worker processes on one PostgreSQL database deliver 1 000 queued call logs: every
log arrives once, none twice (claims never overlap: FOR UPDATE SKIP LOCKED) (L3)."""

from __future__ import annotations

import signal
from collections import Counter

import pytest
from sqlalchemy import func, select

from ringdesk.store.outbox import enqueue
from ringdesk.store.tables import OutboxJob
from tests.e2e.test_delivery import event, setup
from tests.e2e.test_delivery_kill import start_worker, wait_until
from tests.live import serve_app
from tests.outbox.helpers import FakeHelpdesk
from tests.services import test_services

pytestmark = [pytest.mark.e2e, pytest.mark.pg]

JOBS = 1000


def counts(database) -> dict[str, int]:
    with database.session() as session:
        rows = session.execute(
            select(OutboxJob.status, func.count(OutboxJob.id)).group_by(OutboxJob.status)
        ).all()
    return {status: n for status, n in rows}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_processes_deliver_a_thousand_logs_once(settings, tmp_path):
    fake = FakeHelpdesk()
    state = test_services(settings)
    with serve_app(fake.app) as url:
        integration = setup(state, url, options={"ticket": {"enabled": False}}, search=False)
        payload = event().as_payload()
        with state.database.session() as session:
            for n in range(JOBS):
                enqueue(
                    session,
                    kind="call_log",
                    integration_id=integration,
                    call_id=f"p{n}",
                    idempotency_key=f"call_log:{integration}:p{n}:u-1001",
                    payload={
                        "event": {**payload, "call_id": f"p{n}"},
                        "extension": "1001",
                        "owner": "u-1001",
                    },
                    now=0,
                )
        workers = [start_worker(settings, tmp_path / f"w{i}.log") for i in range(2)]
        try:
            finished = wait_until(lambda: counts(state.database).get("done", 0) == JOBS, 120)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(timeout=30)
    await state.aclose()
    assert finished, counts(state.database)
    keys = Counter(record["key"] for record in fake.records["calls"])
    assert len(keys) == JOBS
    assert fake.duplicates == 0  # no job was sent by both processes
    assert fake.posts == JOBS
