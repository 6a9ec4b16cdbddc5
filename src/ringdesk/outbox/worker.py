"""The outbox worker: claims due jobs under a lease, delivers them through their kind's
handler, and records the outcome (done / retry later / failed / wait) by the retry policy
(L3).

Runs in `ringdesk serve` or on its own (`python -m ringdesk.outbox`). Several workers, in one
or many processes, may share a database: claims never overlap, and a job whose worker died
is taken over once its lease expires. Every attempt carries the job's idempotency key so the
helpdesk can drop repeats.

Outcomes by the exception tree (`ringdesk.errors`): `Deferred` waits uncounted;
`HelpdeskAuthError` waits for authentication with backoff and is never failed for good; a
retryable `HelpdeskError` backs off until the attempts run out; a template, expression,
input or not-found error fails at once (it can never succeed); anything else is a bug: it is
logged with its traceback and retried with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, TypeVar

from ringdesk.errors import (
    Deferred,
    HelpdeskAuthError,
    HelpdeskError,
    InputError,
    NotFound,
    TemplateError,
)
from ringdesk.expressions import ExpressionError
from ringdesk.outbox.jobs import ClaimedJob, JobKind
from ringdesk.redact import Redactor
from ringdesk.retry import DELIVERY_RETRY, RetryPolicy
from ringdesk.services import Services
from ringdesk.store import outbox as queue
from ringdesk.store.db import Session

__all__ = ["OutboxWorker"]

log = logging.getLogger(__name__)

# Errors no retry can fix.
_PERMANENT = (TemplateError, ExpressionError, InputError, NotFound)
_MAX_ERROR = 2000
# How long a job waits between tries while its helpdesk refuses our credentials.
_AUTH_WAIT_CAP = 300.0
# The cap assumed for an integration whose context this worker has not loaded yet.
_DEFAULT_CAP = 8
T = TypeVar("T")


class OutboxWorker:
    """Delivers outbox jobs of the given `kinds` with up to `concurrency` in flight."""

    def __init__(
        self,
        services: Services,
        kinds: Mapping[str, JobKind],
        *,
        worker_id: str | None = None,
        policy: RetryPolicy | None = None,
        # A job whose worker was killed is taken over when its lease runs out: the lease is
        # how long a crash can delay a call log. It is renewed six times per lease.
        lease: float = 30.0,
        renew_every: float | None = None,
        # Jobs in flight across all integrations; each integration's cap (G3) still limits
        # what one helpdesk sees. The jobs beyond the caps are claimed ahead, so a claim's
        # thread hop (tens of ms while the loop is busy) never leaves a helpdesk slot idle.
        concurrency: int = 64,
        poll_seconds: float | None = None,
        record_linger: float = 0.05,
        rng: random.Random | None = None,
    ):
        settings = services.settings
        self.services = services
        self.kinds = dict(kinds)
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.policy = policy or replace(DELIVERY_RETRY, max_attempts=settings.outbox_max_attempts)
        self.lease = lease
        # A delivery may outlive its lease (a slow helpdesk, retries, a queue for the
        # cap); the lease is renewed meanwhile, or another worker (or this one) would claim
        # the job again while it is still being delivered.
        self.renew_every = renew_every if renew_every is not None else lease / 6
        # delivery task → (job id, integration id)
        self._inflight: dict[asyncio.Task[None], tuple[int, int]] = {}
        self._rotation = 0
        self.concurrency = max(1, concurrency)
        self.poll_seconds = (
            poll_seconds if poll_seconds is not None else settings.outbox_poll_seconds
        )
        # Deliveries are recorded in batches gathered for up to `record_linger` seconds;
        # their slots are free meanwhile, a crash in between only means a re-delivery with
        # the same idempotency key.
        self.record_linger = record_linger
        self._record_now = asyncio.Event()
        self._finished: list[tuple[int, dict[str, Any], asyncio.Future[None]]] = []
        self._recorder: asyncio.Task[None] | None = None
        self.clock = services.clock
        self.rng = rng or random.Random()  # noqa: S311  (jitter, not crypto)
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def wake(self) -> None:
        """Thread-safe: look for due jobs now instead of at the next poll."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self, *, drain_timeout: float = 10.0) -> None:
        """Deliver until `stop()`; then wait up to `drain_timeout` for jobs in flight."""
        self._loop = asyncio.get_running_loop()
        queue.add_waker(self.wake)
        inflight = self._inflight
        renewer = asyncio.create_task(self._renew_leases())
        # Claim in batches (half the slots at least) rather than one job per finished
        # delivery: a claim costs about the same for 1 or 16 jobs. The half still in flight
        # keeps the helpdesk's slots busy meanwhile.
        threshold = max(1, self.concurrency // 2)

        def finished(task: asyncio.Task[None]) -> None:
            inflight.pop(task, None)
            _log_crash(task)
            # Only a batch's worth of free slots is worth a wake-up (an idle worker has
            # them all): waking per finished job cost more than the claims themselves.
            if self.concurrency - len(inflight) >= threshold:
                self._wake.set()

        try:
            while not self._stopping.is_set():
                self._wake.clear()
                free = self.concurrency - len(inflight)
                jobs = await self._claim(free) if free >= threshold else []
                for job in jobs:
                    task = asyncio.create_task(self._deliver(job))
                    inflight[task] = (job.id, job.integration_id)
                    task.add_done_callback(finished)
                if jobs and self.concurrency - len(inflight) >= threshold:
                    continue  # there may be more due right away
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_seconds):
                        await self._wake.wait()
            if inflight:
                _, pending = await asyncio.wait(set(inflight), timeout=drain_timeout)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            queue.remove_waker(self.wake)
            await self._flush_finished()

    async def _renew_leases(self) -> None:
        # On a thread of its own: with the shared pool busy (intake, claims, records) a
        # renewal could queue behind them past the lease, and the job be delivered twice.
        loop = asyncio.get_running_loop()
        pool = ThreadPoolExecutor(1, thread_name_prefix="ringdesk-outbox-renew")
        try:
            while True:
                await asyncio.sleep(self.renew_every)
                if not self._inflight:
                    continue
                job_ids = sorted(job_id for job_id, _ in self._inflight.values())

                def renew(job_ids: list[int] = job_ids) -> int:
                    with self.services.database.session() as session:
                        return queue.extend_leases(
                            session,
                            self.worker_id,
                            job_ids,
                            until=self.clock.now() + self.lease,
                        )

                try:
                    await loop.run_in_executor(pool, renew)
                except Exception:  # the next round tries again; a lost lease only re-delivers
                    log.exception("renewing outbox leases failed")
        finally:
            # Never hold up the stop on a renewal still running (a database that hangs).
            pool.shutdown(wait=False)

    async def run_until_idle(self) -> int:
        """Deliver every job that is due now, then return how many attempts were made."""
        total = 0
        while True:
            jobs = await self._claim(self.concurrency)
            if not jobs:
                return total
            total += len(jobs)
            await asyncio.gather(*(self._deliver(job) for job in jobs))
            await self._flush_finished()

    # -- one job ---------------------------------------------------------------------------

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        def work() -> T:
            with self.services.database.session() as session:
                return fn(session, *args, **kwargs)

        return await asyncio.to_thread(work)

    def _budget(self) -> Callable[[int], int]:
        """How many more jobs of an integration may be in flight here: twice its cap (G3),
        so its slots stay busy while a claim's thread hop runs, and no more, so a hanging
        helpdesk ties up only its own share of the worker (fair delivery)."""
        busy: dict[int, int] = {}
        for _, integration_id in self._inflight.values():
            busy[integration_id] = busy.get(integration_id, 0) + 1

        def budget(integration_id: int) -> int:
            ctx = self.services.contexts.cached(integration_id)
            cap = ctx.max_concurrent if ctx is not None else _DEFAULT_CAP
            return max(0, 2 * cap - busy.get(integration_id, 0))

        return budget

    async def _claim(self, limit: int) -> list[ClaimedJob]:
        """Claim a batch and, in the same thread hop, prefetch what its handlers read."""
        now = self.clock.now()
        budget = self._budget()
        self._rotation += 1
        rotation = self._rotation
        deadline = now - self.services.settings.contact_wait_seconds

        def work() -> list[ClaimedJob]:
            with self.services.database.session() as session:
                jobs = queue.claim(
                    session,
                    worker_id=self.worker_id,
                    now=now,
                    lease=self.lease,
                    limit=limit,
                    budget=budget,
                    wait_deadline=deadline,
                    rotation=rotation,
                )
                return _prefetch(session, self.kinds, jobs) if jobs else jobs

        return await asyncio.to_thread(work)

    def _complete(self, job_id: int, result: dict[str, Any]) -> asyncio.Future[None]:
        """Queue a delivery's record; deliveries finishing together share one transaction.

        The returned future resolves once it is written. The delivery's slot is free at
        once: waiting for the write would hold a slot per job and shrink the batches."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._finished.append((job_id, result, done))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_finished())
        return done

    async def _flush_finished(self) -> None:
        """Write every queued record now, and wait until they are written."""
        self._record_now.set()
        try:
            while self._recorder is not None and not self._recorder.done():
                await asyncio.wait({self._recorder})
        finally:
            self._record_now.clear()

    async def _record_finished(self) -> None:
        while self._finished:
            if len(self._finished) < self.concurrency and not self._record_now.is_set():
                # Linger: deliveries finish one by one, and a transaction per one or two
                # of them cost more than the rest of the worker's per-job work.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._record_now.wait(), self.record_linger)
            batch, self._finished = self._finished, []
            results = [(job_id, result) for job_id, result, _ in batch]

            def write(
                session: Session, results: list[tuple[int, dict[str, Any]]] = results
            ) -> None:
                queue.complete_many(session, self.worker_id, now=self.clock.now(), results=results)

            try:
                await self._db(write)
            except Exception as exc:
                # The jobs stay running until their lease expires, then are delivered again
                # (same idempotency key). Most futures have no waiter: log here, once.
                log.error("recording %d delivered outbox jobs failed", len(batch), exc_info=exc)
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                        done.exception()  # retrieved: only follow-ups wait on it
            else:
                for _, _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _release(self, job: ClaimedJob, delay: float, reason: str) -> None:
        await self._db(
            queue.release, job.id, self.worker_id, at=self.clock.now() + delay, reason=reason
        )

    async def _deliver(self, job: ClaimedJob) -> None:
        try:
            kind = self.kinds.get(job.kind)
            if kind is None:
                raise NotFound(f"no handler for job kind {job.kind!r}")
            outcome = await kind.deliver(job)
        except asyncio.CancelledError:
            # Shutting down mid-delivery: hand the job back at once, uncounted. The helpdesk
            # may have received it; the idempotency key makes the next attempt harmless.
            await asyncio.shield(self._release(job, 0.0, "interrupted by shutdown"))
            raise
        except Deferred as deferred:
            await self._release(job, deferred.delay, deferred.reason)
            return
        except HelpdeskAuthError as exc:
            await self._wait_for_auth(job, exc)
            return
        except HelpdeskError as exc:
            await self._failed(job, exc, retryable=exc.retryable, retry_after=exc.retry_after)
            return
        except _PERMANENT as exc:
            await self._failed(job, exc, retryable=False)
            return
        except Exception as exc:  # a bug or a database hiccup: retry with backoff, loudly
            log.exception("outbox job %s (%s) raised", job.id, job.kind)
            await self._failed(job, exc, retryable=True)
            return
        recorded = self._complete(job.id, outcome.result)
        if kind.unblocks:
            # Jobs waiting for this one (a call's log for its contact) are ready now.
            await recorded
            self._wake.set()
        if outcome.after is not None:
            # Follow-ups run after the job is recorded as done: they never cause a
            # re-delivery.
            await recorded
            try:
                await outcome.after()
            except Exception:
                log.warning("after-delivery work of outbox job %s failed", job.id, exc_info=True)

    def _redacted(self, job: ClaimedJob, exc: BaseException) -> str:
        ctx = self.services.contexts.cached(job.integration_id)
        redactor = ctx.redactor if ctx is not None else Redactor()
        return redactor.text(f"{type(exc).__name__}: {exc}")[:_MAX_ERROR]

    async def _wait_for_auth(self, job: ClaimedJob, exc: HelpdeskAuthError) -> None:
        """A8: refused credentials never fail a job; it waits, with backoff, until the token
        is fixed or the integration reconnected."""
        delay = min(_AUTH_WAIT_CAP, self.policy.backoff(job.attempts, self.rng))
        error = f"waiting for authentication: {self._redacted(job, exc)}"
        await self._db(
            queue.reschedule, job.id, self.worker_id, at=self.clock.now() + delay, error=error
        )

    async def _failed(
        self,
        job: ClaimedJob,
        exc: BaseException,
        *,
        retryable: bool,
        retry_after: float | None = None,
    ) -> None:
        error = self._redacted(job, exc)
        decision = self.policy.decide(
            job.attempts, retryable=retryable, retry_after=retry_after, rng=self.rng
        )
        now = self.clock.now()
        if decision.retry:
            await self._db(
                queue.reschedule, job.id, self.worker_id, at=now + decision.delay, error=error
            )
        else:
            log.warning("outbox job %s (%s) failed: %s", job.id, job.kind, error)
            await self._db(
                queue.fail, job.id, self.worker_id, now=now, error=f"{error} ({decision.reason})"
            )
            kind = self.kinds.get(job.kind)
            if kind is not None and kind.unblocks:
                self._wake.set()  # its waiting jobs go on without it


def _prefetch(
    session: Session, kinds: Mapping[str, JobKind], jobs: Sequence[ClaimedJob]
) -> list[ClaimedJob]:
    """`jobs` with `prefetched` filled in by their kinds' prefetchers (one read each per
    batch), in the claim's transaction. A failing read only costs the batch its prefetch
    (its SAVEPOINT is rolled back, the claim stands): handlers then read for themselves,
    so it can never stall delivery."""
    by_kind: dict[str, list[ClaimedJob]] = {}
    for job in jobs:
        kind = kinds.get(job.kind)
        if kind is not None and kind.prefetch is not None:
            by_kind.setdefault(job.kind, []).append(job)
    if not by_kind:
        return list(jobs)
    found: dict[int, Any] = {}
    try:
        with session.begin_nested():
            for name, group in by_kind.items():
                prefetch = kinds[name].prefetch
                assert prefetch is not None  # noqa: S101  (grouped above)
                found.update(prefetch(session, group))
    except Exception:
        log.exception("outbox prefetch failed; jobs read for themselves")
        return list(jobs)
    return [replace(job, prefetched=found[job.id]) if job.id in found else job for job in jobs]


def _log_crash(task: asyncio.Task[None]) -> None:
    # Only the database can fail outside _deliver's handlers; the lease brings the job back.
    if not task.cancelled() and task.exception() is not None:
        log.error("outbox delivery crashed", exc_info=task.exception())
