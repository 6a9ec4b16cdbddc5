"""Outbox table operations on SQLite and PostgreSQL: idempotent enqueue, claiming with a
lease, lease-expiry takeover, fencing, reschedule/fail/release, manual retry, depth (L3)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from ringdesk.store import outbox as queue
from ringdesk.store.outbox import enqueue
from ringdesk.store.tables import OutboxJob
from tests.outbox.helpers import add_integration

NOW = 1_000_000.0


def put(database, integration_id, key, *, now=NOW, kind="call_log"):
    with database.session() as session:
        enqueue(
            session,
            kind=kind,
            integration_id=integration_id,
            call_id="c1",
            idempotency_key=key,
            payload={"n": key},
            now=now,
        )


def count(database):
    with database.session() as session:
        return session.scalar(select(func.count(OutboxJob.id)))


def get(database, job_id):
    with database.session() as session:
        return session.get(OutboxJob, job_id)


def claim(database, worker="w1", *, now=NOW, lease=60.0, limit=10):
    with database.session() as session:
        return queue.claim(session, worker_id=worker, now=now, lease=lease, limit=limit)


def test_enqueue_is_idempotent_on_the_key(database):
    """The same key twice is one job (L3)."""
    integration = add_integration(database)
    put(database, integration, "call_log:1:c1:u1")
    put(database, integration, "call_log:1:c1:u1")
    put(database, integration, "call_log:1:c1:u2")
    assert count(database) == 2


def test_enqueue_does_not_undo_the_callers_transaction(database):
    """A duplicate key inside a bigger transaction leaves the other writes in place."""
    integration = add_integration(database)
    put(database, integration, "k")
    with database.session() as session:
        enqueue(
            session,
            kind="ticket",
            integration_id=integration,
            call_id="c1",
            idempotency_key="k",
            payload={},
            now=NOW,
        )
        enqueue(
            session,
            kind="ticket",
            integration_id=integration,
            call_id="c1",
            idempotency_key="k2",
            payload={},
            now=NOW,
        )
    assert count(database) == 2


def test_concurrent_enqueues_of_one_key_make_one_job(database):
    """Racing transactions with the same key: exactly one row, no error escapes."""
    integration = add_integration(database)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def racer():
        try:
            barrier.wait()
            put(database, integration, "race")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=racer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert count(database) == 1


def test_claim_takes_due_jobs_once_and_counts_the_attempt(database):
    """Claimed jobs are running under a lease; a second claim gets nothing."""
    integration = add_integration(database)
    put(database, integration, "a")
    put(database, integration, "b")
    put(database, integration, "later", now=NOW + 100)
    jobs = claim(database)
    assert [j.idempotency_key for j in jobs] == ["a", "b"]
    assert all(j.attempts == 1 for j in jobs)
    assert claim(database, "w2") == []
    row = get(database, jobs[0].id)
    assert (row.status, row.locked_by, row.locked_until) == ("running", "w1", NOW + 60)


def test_claim_respects_the_limit(database):
    integration = add_integration(database)
    for n in range(5):
        put(database, integration, f"k{n}")
    assert len(claim(database, limit=2)) == 2
    assert len(claim(database, "w2", limit=10)) == 3


def test_claim_takes_expired_leases_then_the_oldest_due_of_a_backlog(database):
    """A taken-over job comes first, then pending jobs by due time (then id), however big
    the backlog and whatever order they were queued in."""
    integration = add_integration(database)
    put(database, integration, "orphan", now=NOW - 500)
    (orphan,) = claim(database, "dead", now=NOW - 400, lease=30)
    for n in range(300):  # queued newest first
        put(database, integration, f"k{n}", now=NOW - n)
    put(database, integration, "not-yet", now=NOW + 5)
    jobs = claim(database, limit=4)  # returned in id order
    assert {j.idempotency_key for j in jobs} == {"orphan", "k299", "k298", "k297"}
    (again,) = [j for j in jobs if j.id == orphan.id]
    assert again.attempts == 2
    rest = claim(database, "w2", limit=500)
    assert len(rest) == 297
    assert "not-yet" not in {j.idempotency_key for j in rest}


def test_expired_lease_is_taken_over_and_the_old_worker_is_fenced(database):
    """A job whose worker died is reclaimed after its lease; the dead worker cannot finish it."""
    integration = add_integration(database)
    put(database, integration, "a")
    (first,) = claim(database, "dead", lease=30)
    assert claim(database, "w2", now=NOW + 29) == []
    (second,) = claim(database, "w2", now=NOW + 31)
    assert second.id == first.id
    assert second.attempts == 2
    with database.session() as session:
        assert not queue.complete(session, first.id, "dead", now=NOW + 32, result={})
        assert queue.complete(session, second.id, "w2", now=NOW + 32, result={"id": "9"})
    row = get(database, first.id)
    assert (row.status, row.result, row.locked_by) == ("done", {"id": "9"}, None)


def test_reschedule_makes_the_job_due_later(database):
    integration = add_integration(database)
    put(database, integration, "a")
    (job,) = claim(database)
    with database.session() as session:
        assert queue.reschedule(session, job.id, "w1", at=NOW + 10, error="503")
    assert claim(database, now=NOW + 9) == []
    (again,) = claim(database, now=NOW + 10)
    assert again.attempts == 2
    assert get(database, job.id).last_error == "503"


def test_release_does_not_count_the_attempt(database):
    """Waiting (needs_reconnect, deferred) is not an attempt."""
    integration = add_integration(database)
    put(database, integration, "a")
    (job,) = claim(database)
    with database.session() as session:
        queue.release(session, job.id, "w1", at=NOW + 5, reason="waiting")
    row = get(database, job.id)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, NOW + 5)


def test_failed_job_can_be_retried_by_hand(database):
    """A failed job stays visible; manual retry makes it pending now with fresh attempts."""
    integration = add_integration(database)
    put(database, integration, "a")
    (job,) = claim(database)
    with database.session() as session:
        assert queue.fail(session, job.id, "w1", now=NOW, error="400 bad request")
    with database.session() as session:
        assert [j.id for j in queue.list_jobs(session, status="failed")] == [job.id]
        retried = queue.retry_now(session, job.id, now=NOW + 50)
        assert retried is not None
        assert (retried.status, retried.attempts) == ("pending", 0)
        assert queue.retry_now(session, 999_999, now=NOW) is None
    (again,) = claim(database, now=NOW + 50)
    assert again.id == job.id


def test_depth_counts_undelivered_jobs_and_the_oldest_age(database):
    """I8: outbox depth and age of the oldest undelivered job."""
    integration = add_integration(database)
    with database.session() as session:
        assert queue.depth(session, now=NOW) == (0, 0.0)
    put(database, integration, "a", now=NOW - 30)
    put(database, integration, "b", now=NOW - 10)
    put(database, integration, "c", now=NOW)
    (job,) = claim(database, limit=1)
    with database.session() as session:
        queue.complete(session, job.id, "w1", now=NOW, result={})
        assert queue.depth(session, now=NOW) == (2, 10.0)


def test_complete_many_records_a_batch_and_stays_fenced(database):
    """Batched completion (L3): each row is fenced on its lease like `complete`; a job taken
    over by another worker keeps the new owner's state."""
    integration = add_integration(database)
    for key in ("a", "b", "c"):
        put(database, integration, key)
    jobs = claim(database, "w1", lease=30)
    assert len(jobs) == 3
    (taken,) = claim(database, "w2", now=NOW + 31, limit=1)  # w1's lease on one expired
    with database.session() as session:
        queue.complete_many(
            session, "w1", now=NOW + 32, results=[(job.id, {"n": job.id}) for job in jobs]
        )
    rows = {job.id: get(database, job.id) for job in jobs}
    for job_id, row in rows.items():
        if job_id == taken.id:
            assert (row.status, row.locked_by, row.result) == ("running", "w2", None)
        else:
            assert (row.status, row.locked_by, row.result) == ("done", None, {"n": job_id})
