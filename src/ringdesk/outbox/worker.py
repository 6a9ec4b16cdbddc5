"""The outbox worker: claims due jobs under a lease, delivers them through their handlers,
and records the outcome (done / retry later / failed / wait), per the RetryPolicy (L3).

Runs as a background service of the app (`outbox_service`) or on its own
(`python -m ringdesk.outbox`). Several workers, in one or many processes, may share a
database: claims never overlap, and a job whose worker died is taken over once its lease
expires. Every attempt carries the job's idempotency key so the helpdesk can drop repeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from fastapi import FastAPI

from ringdesk.clock import Clock, SystemClock
from ringdesk.errors import PeerError, RingdeskError
from ringdesk.outbox import add_waker, queue, remove_waker
from ringdesk.outbox.jobs import Deferred, Handler, Prefetcher, handlers, prefetchers
from ringdesk.outbox.policy import RetryPolicy

__all__ = ["OutboxWorker", "outbox_service", "redact"]

log = logging.getLogger(__name__)

ContextLoader = Callable[[Any, int], Awaitable[Any]]

# Errors that no retry can fix: a template that does not render, a missing integration.
_PERMANENT = (RingdeskError, LookupError, ValueError, KeyError, TypeError)
_MAX_ERROR = 2000


def redact(message: str, secrets: frozenset[str] | set[str]) -> str:
    """`message` without any secret value in it, and of bounded length."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret and len(secret) >= 4:
            message = message.replace(secret, "***")
    return message[:_MAX_ERROR]


def _default_loader() -> ContextLoader:
    from ringdesk.integrations.context import load_context

    return load_context


class OutboxWorker:
    """Delivers outbox jobs with up to `concurrency` in flight.

    `state` is the app state (`.db`, `.executor`, `.settings`...). `load_context` and
    `handlers` default to the real ones; `clock` and `rng` make timing testable.
    """

    def __init__(
        self,
        state: Any,
        *,
        worker_id: str | None = None,
        policy: RetryPolicy | None = None,
        lease: float = 120.0,
        renew_every: float | None = None,
        # Jobs in flight across all integrations; each template's cap (G3) still limits
        # what one helpdesk sees. The jobs beyond the caps are claimed ahead, so a claim's
        # thread hop (tens of ms while the loop is busy) never leaves a helpdesk slot idle.
        concurrency: int = 64,
        poll_seconds: float | None = None,
        reconnect_wait: float = 30.0,
        context_ttl: float = 2.0,
        record_linger: float = 0.05,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        load_context: ContextLoader | None = None,
        job_handlers: Mapping[str, Handler] | None = None,
    ):
        settings = state.settings
        self.state = state
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.policy = policy or RetryPolicy(max_attempts=settings.outbox_max_attempts)
        self.lease = lease
        # A delivery may outlive its lease (a slow helpdesk, retries, a queue for the
        # template's cap); the lease is renewed meanwhile, or another worker (or this one)
        # would claim the job again while it is still being delivered.
        self.renew_every = renew_every if renew_every is not None else lease / 3
        self._inflight: dict[asyncio.Task[None], int] = {}  # delivery task → job id
        self.concurrency = max(1, concurrency)
        self.poll_seconds = (
            poll_seconds if poll_seconds is not None else settings.outbox_poll_seconds
        )
        self.reconnect_wait = reconnect_wait
        # Contexts are reused for a moment: loading one per job (a session, decrypting the
        # secrets) would cost more than the delivery. Status changes show within the TTL.
        self.context_ttl = context_ttl
        self._contexts: dict[int, tuple[float, Any]] = {}
        # Deliveries are recorded in batches gathered for up to `record_linger` seconds;
        # their slots are free meanwhile, a crash in between only means a re-delivery with
        # the same idempotency key.
        self.record_linger = record_linger
        self._record_now = asyncio.Event()
        self._finished: list[tuple[int, dict[str, Any], asyncio.Future[None]]] = []
        self._recorder: asyncio.Task[None] | None = None
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()  # noqa: S311  (jitter, not crypto)
        self._load_context = load_context
        self._handlers = job_handlers
        self._fetchers: Mapping[str, Prefetcher] | None = None
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
        add_waker(self.wake)
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
                    inflight[task] = job.id
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
            remove_waker(self.wake)
            await self._flush_finished()

    async def _renew_leases(self) -> None:
        while True:
            await asyncio.sleep(self.renew_every)
            if not self._inflight:
                continue
            try:
                await self._db(
                    queue.extend_leases,
                    self.worker_id,
                    sorted(self._inflight.values()),
                    until=self.clock.now() + self.lease,
                )
            except Exception:  # the next round tries again; a lost lease only re-delivers
                log.exception("renewing outbox leases failed")

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

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def work() -> Any:
            with self.state.db.session() as session:
                return fn(session, *args, **kwargs)

        return await asyncio.to_thread(work)

    async def _claim(self, limit: int) -> list[queue.ClaimedJob]:
        """Claim a batch and, in the same thread hop, prefetch what its handlers read."""
        now = self.clock.now()
        fetchers = self._prefetchers()

        def work() -> list[queue.ClaimedJob]:
            with self.state.db.session() as session:
                jobs = queue.claim(
                    session, worker_id=self.worker_id, now=now, lease=self.lease, limit=limit
                )
                return _prefetch(session, fetchers, jobs) if jobs and fetchers else jobs

        return await asyncio.to_thread(work)

    def _prefetchers(self) -> Mapping[str, Prefetcher]:
        if self._fetchers is None:
            # Custom handlers (tests) read for themselves; the real ones get batch reads.
            self._fetchers = prefetchers() if self._handlers is None else {}
        return self._fetchers

    def _handler(self, kind: str) -> Handler | None:
        if self._handlers is None:
            self._handlers = handlers()
        return self._handlers.get(kind)

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

            def write(session: Any, results: list[tuple[int, dict[str, Any]]] = results) -> None:
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

    async def _context(self, integration_id: int) -> Any:
        now = time.monotonic()
        cached = self._contexts.get(integration_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        loader = self._load_context or _default_loader()
        ctx = await loader(self.state, integration_id)
        if self.context_ttl > 0:
            self._contexts[integration_id] = (now + self.context_ttl, ctx)
        return ctx

    async def _release(self, job: queue.ClaimedJob, delay: float, reason: str) -> None:
        await self._db(
            queue.release, job.id, self.worker_id, at=self.clock.now() + delay, reason=reason
        )

    async def _deliver(self, job: queue.ClaimedJob) -> None:
        secrets: frozenset[str] = frozenset()
        try:
            try:
                ctx = await self._context(job.integration_id)
            except LookupError:
                await self._db(
                    queue.fail,
                    job.id,
                    self.worker_id,
                    now=self.clock.now(),
                    error="integration not found",
                )
                return
            secrets = frozenset(getattr(ctx, "secret_values", frozenset()))
            if ctx.status != "connected":
                self._contexts.pop(job.integration_id, None)
                # Not an attempt: the job waits until someone reconnects the integration.
                await self._release(job, self.reconnect_wait, f"waiting: integration {ctx.status}")
                return
            handler = self._handler(job.kind)
            if handler is None:
                raise ValueError(f"no handler for job kind {job.kind!r}")
            outcome = await handler(self.state, ctx, job)
        except asyncio.CancelledError:
            # Shutting down mid-delivery: hand the job back at once, uncounted. The helpdesk
            # may have received it; the idempotency key makes the next attempt harmless.
            await asyncio.shield(self._release(job, 0.0, "interrupted by shutdown"))
            raise
        except Deferred as deferred:
            await self._release(job, deferred.delay, deferred.reason)
            return
        except PeerError as exc:
            self._contexts.pop(job.integration_id, None)  # tokens or status may have moved
            await self._failed(
                job, exc, retryable=exc.retryable, secrets=secrets, retry_after=exc.retry_after
            )
            return
        except _PERMANENT as exc:
            await self._failed(job, exc, retryable=False, secrets=secrets)
            return
        except Exception as exc:  # a bug or a database hiccup: retry with backoff, loudly
            log.exception("outbox job %s (%s) raised", job.id, job.kind)
            await self._failed(job, exc, retryable=True, secrets=secrets)
            return
        recorded = self._complete(job.id, outcome.result)
        if outcome.trigger and _has_follow_ups(ctx, outcome.trigger):
            # Follow-ups run after the job is recorded as done: they never cause a
            # re-delivery.
            await recorded
            await self._follow_up(ctx, outcome.trigger, outcome.variables)

    async def _failed(
        self,
        job: queue.ClaimedJob,
        exc: BaseException,
        *,
        retryable: bool,
        secrets: frozenset[str],
        retry_after: float | None = None,
    ) -> None:
        error = redact(f"{type(exc).__name__}: {exc}", secrets)
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

    async def _follow_up(self, ctx: Any, trigger: str, variables: dict[str, str]) -> None:
        try:
            from ringdesk.integrations.followup import fire_follow_ups
        except ImportError:  # pragma: no cover - the integrations package ships with the app
            return
        try:
            await fire_follow_ups(self.state, ctx, trigger, variables)
        except Exception as exc:
            log.warning(
                "follow-up %s for integration %s failed: %s",
                trigger,
                getattr(ctx, "integration_id", "?"),
                redact(str(exc), frozenset(getattr(ctx, "secret_values", frozenset()))),
            )


def _has_follow_ups(ctx: Any, trigger: str) -> bool:
    template = getattr(ctx, "template", None)
    requests = getattr(template, "follow_up_requests", None)
    if requests is None:
        return True  # not a real template (tests): let fire_follow_ups decide
    return any(request.trigger == trigger for request in requests)


def _prefetch(
    session: Any, fetchers: Mapping[str, Prefetcher], jobs: list[queue.ClaimedJob]
) -> list[queue.ClaimedJob]:
    """`jobs` with `prefetched` filled in by their kinds' prefetchers (one read each per
    batch), in the claim's transaction. A failing read only costs the batch its prefetch
    (its SAVEPOINT is rolled back, the claim stands): handlers then read for themselves,
    so it can never stall delivery."""
    by_kind: dict[str, list[queue.ClaimedJob]] = {}
    for job in jobs:
        if job.kind in fetchers:
            by_kind.setdefault(job.kind, []).append(job)
    if not by_kind:
        return jobs
    found: dict[int, Any] = {}
    try:
        with session.begin_nested():
            for kind, group in by_kind.items():
                found.update(fetchers[kind](session, group))
    except Exception:
        log.exception("outbox prefetch failed; jobs read for themselves")
        return jobs
    return [replace(job, prefetched=found[job.id]) if job.id in found else job for job in jobs]


def _log_crash(task: asyncio.Task[None]) -> None:
    # Only the database can fail outside _deliver's handlers; the lease brings the job back.
    if not task.cancelled() and task.exception() is not None:
        log.error("outbox delivery crashed", exc_info=task.exception())


@asynccontextmanager
async def outbox_service(app: FastAPI) -> AsyncIterator[OutboxWorker]:
    """Background service: one worker task for the app's lifetime, stopped gracefully."""
    worker = OutboxWorker(app.state)
    task = asyncio.create_task(worker.run(), name="ringdesk-outbox")
    try:
        yield worker
    finally:
        worker.stop()
        await task
