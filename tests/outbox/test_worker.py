"""The worker's decisions on real databases: done, retry with backoff and Retry-After,
permanent failure with a redacted error, waiting for authentication, waiting while the
integration needs reconnecting, deferral, bugs retried loudly, the in-process wake-up,
graceful shutdown (L3).

Deliverers here are small doubles (a callable class with state) wrapped by the real
`flows.delivery.for_connected`, because the case under test is the worker's reaction to a
handler outcome; the real deliverers are exercised over sockets in tests/e2e.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text as sql_text
from sqlalchemy import update

from ringdesk.errors import Deferred, HelpdeskAuthError, HelpdeskError, TemplateError
from ringdesk.expressions import ExpressionError
from ringdesk.flows.delivery import for_connected
from ringdesk.outbox.jobs import Delivered, JobKind
from ringdesk.outbox.worker import OutboxWorker
from ringdesk.retry import RetryPolicy
from ringdesk.store.crypto import SecretBox
from ringdesk.store.outbox import enqueue
from ringdesk.store.tables import Integration, OutboxJob
from tests.outbox.helpers import add_integration
from tests.services import test_services

SECRET = "s3cr3t-token-value"


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.t = now

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class Script:
    """Handler double: plays `outcomes` in order (an exception is raised, else returned)."""

    outcomes: list = field(default_factory=list)
    calls: list = field(default_factory=list)

    async def __call__(self, services, ctx, job):
        self.calls.append(job.idempotency_key)
        outcome = self.outcomes.pop(0) if self.outcomes else Delivered(result={"ok": True})
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def make_worker(settings, database, clock, script, *, prefetch=None, **kwargs):
    services = test_services(settings, clock=clock)
    # Statuses change between rounds here: re-read the integration for every job.
    handler = for_connected(services, script, max_age=0)
    kinds = {name: JobKind(name, handler, prefetch) for name in ("call_log", "ticket")}
    return OutboxWorker(
        services,
        kinds,
        worker_id="w-test",
        policy=RetryPolicy(base=2.0, factor=2.0, max_attempts=3, jitter=0.0),
        **kwargs,
    )


def add_with_secret(settings, database):
    crypto = SecretBox(settings.resolved_secret_key())
    return add_integration(database, secrets={"api_key": SECRET}, crypto=crypto)


def set_status(database, integration_id, status):
    with database.session() as session:
        session.execute(
            update(Integration).where(Integration.id == integration_id).values(status=status)
        )


def put(database, integration_id, key, now):
    with database.session() as session:
        enqueue(
            session,
            kind="call_log",
            integration_id=integration_id,
            call_id="c1",
            idempotency_key=key,
            payload={},
            now=now,
        )


def job(database, key):
    from sqlalchemy import select

    with database.session() as session:
        return session.scalar(select(OutboxJob).where(OutboxJob.idempotency_key == key))


async def test_success_marks_the_job_done_with_its_result(settings, database):
    clock = Clock()
    integration = add_integration(database)
    put(database, integration, "a", clock.t)
    script = Script([Delivered(result={"id": "42"})])
    worker = make_worker(settings, database, clock, script)
    assert await worker.run_until_idle() == 1
    row = job(database, "a")
    assert (row.status, row.result, row.attempts) == ("done", {"id": "42"}, 1)


async def test_retryable_errors_back_off_honour_retry_after_then_fail(settings, database):
    """503 with Retry-After waits at least that long; attempts stop at the maximum (L3)."""
    clock = Clock()
    integration = add_integration(database)
    put(database, integration, "a", clock.t)
    script = Script(
        [
            HelpdeskError("503", retryable=True, status=503, retry_after=30.0),
            HelpdeskError("502", retryable=True, status=502),
            HelpdeskError("502", retryable=True, status=502),
        ]
    )
    worker = make_worker(settings, database, clock, script)
    start = clock.t
    await worker.run_until_idle()
    row = job(database, "a")
    assert (row.status, row.next_attempt_at) == ("pending", start + 30.0)
    clock.t = start + 29
    assert await worker.run_until_idle() == 0
    clock.t = start + 30
    await worker.run_until_idle()
    assert job(database, "a").next_attempt_at == clock.t + 4.0  # second backoff step
    clock.t += 4
    await worker.run_until_idle()
    row = job(database, "a")
    assert row.status == "failed"
    assert "gave up after 3 attempts" in row.last_error
    assert script.calls == ["a", "a", "a"]


async def test_permanent_error_fails_at_once_with_secrets_redacted(settings, database):
    """A 400 is not retried; the stored error never holds a secret."""
    clock = Clock()
    integration = add_with_secret(settings, database)
    put(database, integration, "a", clock.t)
    script = Script([HelpdeskError(f"400 bad token {SECRET}", retryable=False, status=400)])
    worker = make_worker(settings, database, clock, script)
    await worker.run_until_idle()
    row = job(database, "a")
    assert row.status == "failed"
    assert SECRET not in row.last_error
    assert "***" in row.last_error


async def test_needs_reconnect_waits_without_counting_attempts(settings, database):
    """While the integration needs reconnecting the job waits, then is delivered."""
    clock = Clock()
    integration = add_integration(database, status="needs_reconnect")
    put(database, integration, "a", clock.t)
    script = Script()
    worker = make_worker(settings, database, clock, script)
    for _ in range(3):
        await worker.run_until_idle()
        clock.t += 31
    row = job(database, "a")
    assert (row.status, row.attempts, script.calls) == ("pending", 0, [])
    assert "needs_reconnect" in row.last_error
    set_status(database, integration, "connected")
    await worker.run_until_idle()
    row = job(database, "a")
    assert (row.status, row.attempts, script.calls) == ("done", 1, ["a"])


async def test_deferred_job_is_put_back_uncounted(settings, database):
    clock = Clock()
    integration = add_integration(database)
    put(database, integration, "a", clock.t)
    script = Script([Deferred("contact being created", delay=2.0)])
    worker = make_worker(settings, database, clock, script)
    await worker.run_until_idle()
    row = job(database, "a")
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, clock.t + 2.0)


@pytest.mark.parametrize(
    "bug", [RuntimeError("boom"), KeyError("event"), TypeError("None is not a str")], ids=str
)
async def test_a_bug_in_a_handler_is_retried_and_logged_with_its_traceback(
    settings, database, caplog, bug
):
    """A crash that is not in the error tree is a bug: retried with backoff, logged with its
    traceback, never a quiet permanent failure (L3)."""
    clock = Clock()
    integration = add_integration(database)
    put(database, integration, "a", clock.t)
    worker = make_worker(settings, database, clock, Script([bug]))
    with caplog.at_level(logging.ERROR, logger="ringdesk.outbox.worker"):
        await worker.run_until_idle()
    assert job(database, "a").status == "pending"
    assert any(r.exc_info and r.exc_info[1] is bug for r in caplog.records)


@pytest.mark.parametrize(
    "error",
    [TemplateError("no call log section"), ExpressionError("bad template")],
    ids=["template", "expression"],
)
async def test_template_errors_are_permanent(settings, database, error):
    clock = Clock()
    integration = add_integration(database)
    put(database, integration, "a", clock.t)
    worker = make_worker(settings, database, clock, Script([error]))
    await worker.run_until_idle()
    assert job(database, "a").status == "failed"


async def test_refused_credentials_wait_and_are_never_failed(settings, database):
    """A8: a 401 after the refresh-and-retry holds the job (retried with backoff, visible as
    waiting for authentication) however often it comes; it is delivered once accepted."""
    clock = Clock()
    integration = add_integration(database)
    put(database, integration, "a", clock.t)
    refusals = [HelpdeskAuthError("401 invalid_token", status=401) for _ in range(6)]
    script = Script(refusals)
    worker = make_worker(settings, database, clock, script)
    for _ in range(6):
        await worker.run_until_idle()
        row = job(database, "a")
        assert row.status == "pending"
        assert row.last_error.startswith("waiting for authentication")
        clock.t = row.next_attempt_at
    await worker.run_until_idle()
    assert job(database, "a").status == "done"
    assert len(script.calls) == 7  # more than max_attempts=3, and none failed


async def test_stored_errors_are_bounded(settings, database):
    clock = Clock()
    integration = add_integration(database)
    put(database, integration, "a", clock.t)
    script = Script([HelpdeskError("x" * 5000, retryable=False, status=400)])
    await make_worker(settings, database, clock, script).run_until_idle()
    assert len(job(database, "a").last_error) < 2100


async def test_running_worker_is_woken_by_an_enqueue_and_stops_gracefully(settings, database):
    """An in-process enqueue wakes the worker long before its poll interval."""
    clock = Clock()
    integration = add_integration(database)
    script = Script()
    worker = make_worker(settings, database, clock, script, poll_seconds=60.0)
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(0.05)
    await asyncio.to_thread(put, database, integration, "woken", clock.t)
    for _ in range(200):
        if job(database, "woken").status == "done":
            break
        await asyncio.sleep(0.01)
    assert job(database, "woken").status == "done"
    worker.stop()
    await asyncio.wait_for(task, 5)


async def test_stopping_records_every_finished_delivery(settings, database):
    """Completions are written in lingering batches; stopping the worker writes the
    pending ones before `run()` returns (no re-delivery after a graceful stop, L3)."""
    clock = Clock()
    integration = add_integration(database)
    keys = [f"k{n}" for n in range(5)]
    for key in keys:
        put(database, integration, key, clock.t)
    script = Script()
    # A linger far longer than the test: only the stop can have written the records.
    worker = make_worker(settings, database, clock, script, poll_seconds=60.0, record_linger=60)
    task = asyncio.create_task(worker.run())
    for _ in range(200):
        if len(script.calls) == len(keys):
            break
        await asyncio.sleep(0.01)
    assert sorted(script.calls) == keys
    assert {job(database, key).status for key in keys} == {"running"}
    worker.stop()
    await asyncio.wait_for(task, 5)
    assert {job(database, key).status for key in keys} == {"done"}


async def test_a_failing_prefetch_keeps_the_claim_and_delivers(settings, database):
    """The batch read runs in the claim's transaction under a SAVEPOINT: when it fails the
    claim stands and the jobs are delivered without prefetched data (L3)."""
    clock = Clock()
    integration = add_integration(database)
    put(database, integration, "p", clock.t)
    script = Script()

    def broken(session, jobs):
        session.execute(sql_text("SELECT * FROM no_such_table"))

    worker = make_worker(settings, database, clock, script, prefetch=broken)
    assert await worker.run_until_idle() == 1
    assert script.calls == ["p"]
    assert job(database, "p").status == "done"


async def test_shutdown_mid_delivery_hands_the_job_back_uncounted(settings, database):
    """Graceful stop: a delivery still running after the drain timeout is cancelled and
    its job is pending again at once, without counting the attempt (L3)."""
    clock = Clock()
    integration = add_integration(database)
    put(database, integration, "slow", clock.t)
    started = asyncio.Event()

    class Hang:
        async def __call__(self, services, ctx, job):
            started.set()
            await asyncio.Event().wait()  # a helpdesk that never answers

    worker = make_worker(settings, database, clock, Hang())
    task = asyncio.create_task(worker.run(drain_timeout=0.05))
    await asyncio.wait_for(started.wait(), 5)
    worker.stop()
    await asyncio.wait_for(task, 5)
    row = job(database, "slow")
    assert (row.status, row.attempts, row.locked_by) == ("pending", 0, None)
    assert row.last_error == "interrupted by shutdown"


class Held:
    """A delivery that runs until released."""

    def __init__(self):
        self.started, self.release = asyncio.Event(), asyncio.Event()

    async def __call__(self, services, ctx, job):
        self.started.set()
        await self.release.wait()
        return Delivered(result={"ok": True})


async def lease_renewed(database, clock) -> bool:
    """Whether the lease of job "slow" is pushed to 30 s past the clock within 2 s."""
    for _ in range(200):
        if job(database, "slow").locked_until >= clock.t + 30:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_a_delivery_longer_than_its_lease_keeps_the_job(settings, database):
    """The worker renews the lease of jobs it is still delivering: once the original lease
    is over, another worker still cannot claim the job (no second, parallel delivery)."""
    from ringdesk.store import outbox as queue

    clock = Clock()
    put(database, add_integration(database), "slow", clock.t)
    held = Held()
    worker = make_worker(settings, database, clock, held, lease=30.0, renew_every=0.02)
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(held.started.wait(), 5)
    clock.t += 31  # the first lease is over
    await lease_renewed(database, clock)
    with database.session() as session:
        stolen = queue.claim(session, worker_id="other", now=clock.t, lease=30.0, limit=5)
    assert stolen == []
    held.release.set()
    worker.stop()
    await asyncio.wait_for(task, 5)
    row = job(database, "slow")
    assert (row.status, row.attempts) == ("done", 1)


async def test_lease_renewal_does_not_queue_behind_a_busy_thread_pool(settings, database):
    """Renewals run on the worker's own thread: with every thread of the shared pool busy
    (a burst of intake and claims), the lease of a job in delivery is still renewed, so no
    other worker takes it over mid-delivery. (The shared pool is shrunk to one thread and
    blocked here: a real burst cannot be timed in a test.)"""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    clock = Clock()
    put(database, add_integration(database), "slow", clock.t)
    held = Held()
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(1))
    running, unblock = threading.Event(), threading.Event()

    def block() -> None:
        running.set()
        unblock.wait(10)

    worker = make_worker(settings, database, clock, held, lease=30.0, renew_every=0.02)
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(held.started.wait(), 5)
    blocked = loop.run_in_executor(None, block)
    # Once it runs, the pool's only thread is taken, and any renewal queued before it has
    # finished (with the clock not yet moved on).
    assert running.wait(5)
    try:
        clock.t += 31  # the first lease is over
        assert await lease_renewed(database, clock), "not renewed while the pool was busy"
    finally:
        unblock.set()
        await blocked
    held.release.set()
    worker.stop()
    await asyncio.wait_for(task, 5)
    assert job(database, "slow").status == "done"


async def test_a_job_of_an_unknown_kind_fails_clearly(settings, database):
    """A kind nobody delivers (a newer version queued it, say) fails with its reason."""
    clock = Clock()
    integration = add_integration(database)
    with database.session() as session:
        enqueue(
            session,
            kind="fax",
            integration_id=integration,
            call_id="c1",
            idempotency_key="f",
            payload={},
            now=clock.t,
        )
    await make_worker(settings, database, clock, Script()).run_until_idle()
    row = job(database, "f")
    assert row.status == "failed"
    assert "no handler for job kind 'fax'" in row.last_error
