"""The per-template cap on concurrent helpdesk requests (G3).

In one process an asyncio semaphore per template is the cap. On PostgreSQL the cap also
holds across processes: each in-flight request holds one of `cap` slot rows of
`concurrency_leases` (claimed with `FOR UPDATE SKIP LOCKED`, released after the request,
and expiring after `lease_seconds` so a crashed process cannot keep a slot forever).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from ringdesk.clock import Clock, SystemClock
from ringdesk.errors import HelpdeskError
from ringdesk.store import leases
from ringdesk.store.db import Database

__all__ = ["ConcurrencyLimiter"]


class ConcurrencyLimiter:
    """Hands out request slots per template id; `database` enables the cross-process cap
    (PostgreSQL only)."""

    def __init__(
        self,
        database: Database | None = None,
        *,
        clock: Clock | None = None,
        lease_seconds: float = 300.0,
        wait_seconds: float = 120.0,
    ):
        self._db = database if database is not None and database.is_postgres else None
        self._clock = clock or SystemClock()
        self._lease_seconds = lease_seconds
        self._wait_seconds = wait_seconds
        self._local: dict[str, tuple[int, asyncio.Semaphore]] = {}
        self._ensured: set[tuple[str, int]] = set()
        self._prefix = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._counter = itertools.count()

    def _semaphore(self, template_id: str, cap: int) -> asyncio.Semaphore:
        known = self._local.get(template_id)
        if known is None or known[0] != cap:
            # A changed cap takes effect for new requests; in-flight ones finish on the old one.
            known = (cap, asyncio.Semaphore(cap))
            self._local[template_id] = known
        return known[1]

    def slot(self, template_id: str, cap: int) -> AbstractAsyncContextManager[Any]:
        """Hold one of `cap` slots of `template_id` for the duration of the block."""
        cap = max(1, cap)
        if self._db is None:
            return self._semaphore(template_id, cap)  # one process: the semaphore is the cap
        return self._leased_slot(template_id, cap)

    @asynccontextmanager
    async def _leased_slot(self, template_id: str, cap: int) -> AsyncIterator[None]:
        async with self._semaphore(template_id, cap):
            holder = f"{self._prefix}-{next(self._counter)}"
            slot = await self._claim(template_id, cap, holder)
            try:
                yield
            finally:
                await asyncio.to_thread(self._release, template_id, slot, holder)

    async def _claim(self, template_id: str, cap: int, holder: str) -> int:
        if (template_id, cap) not in self._ensured:
            await asyncio.to_thread(self._ensure, template_id, cap)
            self._ensured.add((template_id, cap))
        waited = 0.0
        pause = 0.005
        while True:
            slot = await asyncio.to_thread(self._try_claim, template_id, cap, holder)
            if slot is not None:
                return slot
            if waited >= self._wait_seconds:
                raise HelpdeskError(
                    "no free request slot for this helpdesk (G3 cap reached)", retryable=True
                )
            await asyncio.sleep(pause)
            waited += pause
            pause = min(0.1, pause * 2)

    def _ensure(self, template_id: str, cap: int) -> None:
        assert self._db is not None  # noqa: S101  (only called on PostgreSQL)
        with self._db.session() as session:
            leases.ensure_slots(session, template_id, cap)

    def _try_claim(self, template_id: str, cap: int, holder: str) -> int | None:
        assert self._db is not None  # noqa: S101  (only called on PostgreSQL)
        now = self._clock.now()
        with self._db.session() as session:
            return leases.claim_slot(
                session, template_id, cap, holder, now=now, expires=now + self._lease_seconds
            )

    def _release(self, template_id: str, slot: int, holder: str) -> None:
        assert self._db is not None  # noqa: S101  (only called on PostgreSQL)
        with self._db.session() as session:
            leases.release_slot(session, template_id, slot, holder)
