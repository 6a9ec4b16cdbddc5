"""The request log's buffer (I4): rows are kept in memory and written in batches from a
worker thread, so logging never puts a database write on a request's path; `flush()` writes
what is pending. The rows themselves are stored by `ringdesk.store.requestlog`.

Bounded: at most `MAX_PENDING` rows wait (each holds two excerpts of at most 2 KiB); while
the database cannot keep up, the oldest waiting rows are dropped and the count is logged.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass

from ringdesk.store import requestlog as repo
from ringdesk.store.db import Database

__all__ = ["EXCERPT_CHARS", "MAX_PENDING", "LogRow", "RequestLog", "excerpt"]

EXCERPT_CHARS = 2048
# Rows waiting for their batch write: a few seconds of a busy process's requests.
MAX_PENDING = 5000
_log = logging.getLogger(__name__)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first `limit` characters, marked when cut."""
    return text if len(text) <= limit else text[:limit] + f"… [{len(text) - limit} more]"


@dataclass(frozen=True)
class LogRow:
    """One already-redacted request log row."""

    integration_id: int | None
    scenario: str
    method: str
    url: str
    status: int | None
    duration_ms: float
    request_excerpt: str
    response_excerpt: str
    error: str | None
    created_at: float

    def values(self) -> dict[str, object]:
        data = asdict(self)
        # 0 = a console run of a template not saved as an integration yet
        data["integration_id"] = self.integration_id or None
        data["scenario"] = self.scenario[:40]
        data["method"] = self.method[:10]
        return data


class RequestLog:
    """Buffers rows and writes them in batches."""

    def __init__(self, database: Database, *, retention: int, max_pending: int = MAX_PENDING):
        self._db = database
        self._retention = max(1, retention)
        self._max_pending = max(1, max_pending)
        self._pending: list[LogRow] = []
        self.dropped = 0
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def add(self, row: LogRow) -> None:
        """Queue a row; a write is scheduled on the running loop."""
        self._pending.append(row)
        if len(self._pending) > self._max_pending:
            excess = len(self._pending) - self._max_pending
            del self._pending[:excess]
            if self.dropped == 0 or (self.dropped + excess) // 1000 > self.dropped // 1000:
                _log.warning("request log behind: %d rows dropped so far", self.dropped + excess)
            self.dropped += excess
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        # Gather a batch: one transaction for many rows. Wait before EVERY write, not only
        # the first: under sustained load a loop that writes again at once wrote ~4 rows per
        # transaction (measured by bench.outbox), the biggest per-request cost after HTTP.
        while self._pending:
            await asyncio.sleep(0.25)
            async with self._lock:
                await self._write_pending()

    async def flush(self) -> None:
        """Write every pending row now."""
        async with self._lock:
            while self._pending:
                await self._write_pending()

    async def _write_pending(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            try:
                await asyncio.to_thread(self._write, batch)
            except repo.WriteError:
                # One bad row (its integration was just deleted) must not lose the rest.
                for row in batch:
                    try:
                        await asyncio.to_thread(self._write, [row])
                    except repo.WriteError as exc:
                        _log.warning("request log row dropped: %s", type(exc).__name__)

    def _write(self, batch: list[LogRow]) -> None:
        with self._db.session() as session:
            repo.write_rows(session, [row.values() for row in batch], retention=self._retention)
