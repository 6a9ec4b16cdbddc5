"""The cap on concurrent requests to one helpdesk (G3), per cap key
(`IntegrationContext.cap_key`: the template and the helpdesk account it points at).

In one process an asyncio semaphore per key is the cap; a process that dies takes its
requests with it.

On PostgreSQL the cap also holds across processes. Each request in flight holds one of the
key's `cap` slot rows in `concurrency_leases` (`ringdesk.store.leases`) under a short lease
(`lease_seconds`, 8 s), and one background task per process renews the leases of all its
requests every `renew_every` (2 s) in one statement, on a thread of its own so a busy
thread pool cannot delay it. A process killed with `kill -9` renews nothing: its slots are
free again at most `lease_seconds` after its last renewal, with no clean-up by anyone.

Why the cap holds even when a renewal is late (a slow or unreachable database, a stalled
process): a holder trusts its lease only until `sent + lease_seconds - margin`, where
`sent` is when (on its own monotonic clock) it *sent* the last claim or renewal that
succeeded. PostgreSQL set the expiry to its own clock at or after that moment plus the
lease, so no other process can take the slot before then. The request runs under an
`asyncio.timeout` at that deadline, moved on by every successful renewal. When no renewal
succeeds in time, the deadline passes first: the request is cancelled (its connection
closed) and fails with a retryable `HelpdeskError`, `margin` (2 s) before the slot can be
claimed elsewhere; the margin covers the cancellation and an event loop running late. A
renewal that finds the lease gone stops the request at once, and a late renewal never
revives an expired lease (it only extends one still valid). The price: a request stopped
mid-way may have reached the helpdesk; it is retried like any interrupted request (the
outbox retries with the job's idempotency key).

Session advisory locks, which PostgreSQL drops with a dead connection, were the other
choice. They need a pooled connection held open for every request in flight, and a live
process whose connection broke would have to notice that its lock is gone before sending
on, which is the same watchdog as the renewals; leases hold no connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from ringdesk.errors import HelpdeskError
from ringdesk.store import leases
from ringdesk.store.db import Database

__all__ = ["ConcurrencyLimiter"]

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Hold:
    """One request's slot: its row, and the timeout that stops the request when its lease
    is no longer known to be valid."""

    key: str
    slot: int
    holder: str
    deadline: float  # the event loop's time
    fence: asyncio.Timeout | None = None


class ConcurrencyLimiter:
    """Hands out request slots per cap key; `database` enables the cross-process cap
    (PostgreSQL only)."""

    def __init__(
        self,
        database: Database | None = None,
        *,
        lease_seconds: float = 8.0,
        renew_every: float = 2.0,
        margin: float = 2.0,
        wait_seconds: float = 120.0,
    ):
        if not (renew_every > 0 and margin > 0 and renew_every + margin < lease_seconds):
            raise ValueError("need 0 < renew_every, 0 < margin, renew_every + margin < lease")
        self._db = database if database is not None and database.is_postgres else None
        self._lease = lease_seconds
        self._renew_every = renew_every
        self._margin = margin
        self._wait_seconds = wait_seconds
        self._local: dict[str, tuple[int, asyncio.Semaphore]] = {}
        self._ensured: set[tuple[str, int]] = set()
        self._prefix = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._counter = itertools.count()
        # Held slots and their renewer, per event loop (timeouts belong to their loop).
        self._holds: dict[asyncio.AbstractEventLoop, dict[str, _Hold]] = {}
        self._renewers: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}
        self._renew_pool: ThreadPoolExecutor | None = None

    def _semaphore(self, key: str, cap: int) -> asyncio.Semaphore:
        known = self._local.get(key)
        if known is None or known[0] != cap:
            # A changed cap takes effect for new requests; in-flight ones finish on the old one.
            known = (cap, asyncio.Semaphore(cap))
            self._local[key] = known
        return known[1]

    def slot(self, key: str, cap: int) -> AbstractAsyncContextManager[Any]:
        """Hold one of `cap` slots of `key` for the duration of the block. On PostgreSQL
        the block is cancelled, and `HelpdeskError` (retryable) raised, if the slot's lease
        could not be renewed in time."""
        cap = max(1, cap)
        if self._db is None:
            return self._semaphore(key, cap)  # one process: the semaphore is the cap
        return self._leased_slot(key, cap)

    @asynccontextmanager
    async def _leased_slot(self, key: str, cap: int) -> AsyncIterator[None]:
        async with self._semaphore(key, cap):
            hold = await self._claim(key, cap)
            fence = asyncio.timeout_at(hold.deadline)
            hold.fence = fence
            loop = asyncio.get_running_loop()
            holds = self._holds.setdefault(loop, {})
            holds[hold.holder] = hold
            self._start_renewer(loop)
            # No await from here into the block: the renewer only sees an entered fence.
            try:
                async with fence:
                    yield
            except TimeoutError:
                if fence.expired():
                    raise HelpdeskError(
                        "request stopped: its slot of the helpdesk's cap could not be "
                        "renewed in time",
                        retryable=True,
                    ) from None
                raise
            finally:
                holds.pop(hold.holder, None)
                try:
                    await asyncio.to_thread(self._release, hold)
                except Exception:
                    # The block's own outcome stands; the slot frees when its lease ends.
                    log.warning("releasing a request slot failed", exc_info=True)

    # -- claiming and releasing -----------------------------------------------------------

    async def _claim(self, key: str, cap: int) -> _Hold:
        if (key, cap) not in self._ensured:
            await asyncio.to_thread(self._ensure, key, cap)
            self._ensured.add((key, cap))
        loop = asyncio.get_running_loop()
        holder = f"{self._prefix}-{next(self._counter)}"
        waited = 0.0
        pause = 0.005
        while True:
            sent = loop.time()
            slot = await asyncio.to_thread(self._try_claim, key, cap, holder)
            if slot is not None:
                return _Hold(key, slot, holder, deadline=sent + self._lease - self._margin)
            if waited >= self._wait_seconds:
                raise HelpdeskError(
                    "no free request slot for this helpdesk: its cap of concurrent requests "
                    "is reached",
                    retryable=True,
                )
            await asyncio.sleep(pause)
            waited += pause
            pause = min(0.1, pause * 2)

    def _ensure(self, key: str, cap: int) -> None:
        assert self._db is not None  # noqa: S101  (only called on PostgreSQL)
        with self._db.session() as session:
            leases.ensure_slots(session, key, cap)

    def _try_claim(self, key: str, cap: int, holder: str) -> int | None:
        assert self._db is not None  # noqa: S101  (only called on PostgreSQL)
        with self._db.session() as session:
            return leases.claim_slot(session, key, cap, holder, lease=self._lease)

    def _release(self, hold: _Hold) -> None:
        assert self._db is not None  # noqa: S101  (only called on PostgreSQL)
        with self._db.session() as session:
            leases.release_slot(session, hold.key, hold.slot, hold.holder)

    # -- renewing -------------------------------------------------------------------------

    def _start_renewer(self, loop: asyncio.AbstractEventLoop) -> None:
        task = self._renewers.get(loop)
        if task is None or task.done():
            self._renewers[loop] = loop.create_task(
                self._renew_loop(loop), name="ringdesk-cap-renewer"
            )

    async def _renew_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Renew this loop's leases until it holds none."""
        if self._renew_pool is None:
            self._renew_pool = ThreadPoolExecutor(1, thread_name_prefix="ringdesk-cap-renew")
        pool = self._renew_pool
        while True:
            await asyncio.sleep(self._renew_every)
            holds = self._holds.get(loop)
            if not holds:
                # Nothing held: stop (the next slot starts a renewer again).
                self._holds.pop(loop, None)
                self._renewers.pop(loop, None)
                return
            current = list(holds.values())
            sent = loop.time()
            try:
                kept = await loop.run_in_executor(
                    pool, self._renew_rows, [hold.holder for hold in current]
                )
            except Exception:
                # The next round tries again; meanwhile each deadline still stands.
                log.warning("renewing request slot leases failed", exc_info=True)
                continue
            now = loop.time()
            for hold in current:
                fence = hold.fence
                if fence is None or fence.expired() or holds.get(hold.holder) is not hold:
                    continue  # finished or stopped meanwhile
                renewed = hold.holder in kept
                if renewed:
                    hold.deadline = max(hold.deadline, sent + self._lease - self._margin)
                else:
                    log.warning("a request slot lease was lost; stopping its request")
                    hold.deadline = now
                with contextlib.suppress(RuntimeError):  # the block is leaving right now
                    fence.reschedule(hold.deadline)

    def _renew_rows(self, holders: list[str]) -> set[str]:
        assert self._db is not None  # noqa: S101  (only called on PostgreSQL)
        with self._db.session() as session:
            return leases.renew_slots(session, holders, lease=self._lease)
