"""Group commit: items submitted while a flush runs are flushed together, in one call of a
blocking `flush(items)` in a worker thread, so a burst of call events costs one transaction
(and, on SQLite, one turn of the write lock) instead of one each (issue 12, item 6).

Each `submit` returns only after the flush that holds its item has returned: durability is
the flush's, unchanged. An idle committer costs nothing: the first submit starts a task
that flushes until nothing is pending and then ends. When a batch fails, its items are
flushed again one by one, so each caller gets its own result or its own error, never a
neighbour's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["MAX_BATCH", "GroupCommit"]

T = TypeVar("T")
R = TypeVar("R")

# Enough to cover every request in flight at the event rates we serve (a flush of this many
# call events takes a few tens of ms), small enough to keep one transaction short.
MAX_BATCH = 64

# Committers in use, per owner and event loop; an entry is removed as soon as its committer
# is idle, so none outlives its work (and while it exists, its flush holds the owner, so
# the owner's id cannot be reused).
_ACTIVE: dict[tuple[int, int], GroupCommit[Any, Any]] = {}


class GroupCommit(Generic[T, R]):
    """Batches `submit`ted items into calls of `flush(items) -> results` (same order and
    length), run in a worker thread, at most `max_batch` items per call."""

    def __init__(
        self,
        flush: Callable[[Sequence[T]], list[R]],
        *,
        max_batch: int = MAX_BATCH,
        on_idle: Callable[[], object] | None = None,
    ):
        self._flush = flush
        self._max_batch = max(1, max_batch)
        self._on_idle = on_idle
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._runner: asyncio.Task[None] | None = None
        self.flushes = 0  # calls of `flush` so far (observability and tests)

    @classmethod
    def of(cls, owner: object, flush: Callable[[Sequence[T]], list[R]]) -> GroupCommit[T, R]:
        """The committer of `owner` on the running event loop (made on first use, dropped
        when idle); `flush` is used when a new one is made."""
        key = (id(owner), id(asyncio.get_running_loop()))
        found = _ACTIVE.get(key)
        if found is None:
            found = cls(flush, on_idle=lambda: _ACTIVE.pop(key, None))
            _ACTIVE[key] = found
        return found

    async def submit(self, item: T) -> R:
        """Flush `item` with whatever else is pending; its result once that flush returned
        (its exception when it failed)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._pending.append((item, future))
        if self._runner is None:
            self._runner = loop.create_task(self._run(), name="group-commit")
        return await future

    async def _run(self) -> None:
        try:
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                await self._flush_batch(batch)
        finally:
            # Only a cancelled runner leaves items behind: their callers must not wait forever.
            left, self._pending = self._pending, []
            _fail(left, RuntimeError("group commit stopped before this item was flushed"))
            self._runner = None
            if self._on_idle is not None:
                self._on_idle()

    async def _flush_batch(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await asyncio.to_thread(self._flush, [item for item, _ in batch])
            self.flushes += 1
            if len(results) != len(batch):
                raise RuntimeError(f"flush returned {len(results)} results for {len(batch)}")
        except asyncio.CancelledError:
            _fail(batch, RuntimeError("group commit cancelled during the flush"))
            raise
        except Exception as exc:
            if len(batch) == 1:
                _fail(batch, exc)
                return
            for one in batch:  # alone, each item gets its own outcome
                await self._flush_batch([one])
            return
        for (_, future), result in zip(batch, results, strict=False):
            if not future.done():  # a caller that gave up has cancelled its future
                future.set_result(result)


def _fail(batch: list[tuple[Any, asyncio.Future[Any]]], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)
