"""A PostgreSQL notification channel (LISTEN/NOTIFY) between ringdesk processes: payloads
NOTIFYed by one process reach the listeners of every process (itself included).

Bounded: at most `MAX_QUEUED` payloads wait to be sent; when the database stalls, the oldest
are dropped (a screen pop that late no longer matters)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from sqlalchemy.engine import make_url

__all__ = ["MAX_NOTIFY_BYTES", "MAX_QUEUED", "PgChannel"]

log = logging.getLogger(__name__)

# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
MAX_NOTIFY_BYTES = 7900
# Payloads waiting for NOTIFY: far more than a second's worth of pops.
MAX_QUEUED = 1000


def _conninfo(sqlalchemy_url: str) -> str:
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class PgChannel:
    """LISTENs on `name` with one connection and NOTIFYs through another (both autocommit,
    so neither is ever idle in a transaction). `send` may be called from any thread."""

    def __init__(self, database_url: str, name: str, receive: Callable[[str], None]):
        if not name.isidentifier():
            raise ValueError(f"bad channel name {name!r}")
        self.name = name
        self._conninfo = _conninfo(database_url)
        self._receive = receive
        self._outgoing: asyncio.Queue[str] = asyncio.Queue(maxsize=MAX_QUEUED)
        self.dropped = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._conns: list[Any] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def send(self, payload: str) -> bool:
        """Queue `payload` for NOTIFY; False when it is too large or the channel is closed."""
        if len(payload.encode()) > MAX_NOTIFY_BYTES:
            return False
        loop = self._loop
        if loop is None or loop.is_closed():
            return False
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._queue(payload)
        else:
            loop.call_soon_threadsafe(self._queue, payload)
        return True

    def _queue(self, payload: str) -> None:
        # On the channel's loop: make room by dropping the oldest payload.
        if self._outgoing.full():
            self._outgoing.get_nowait()
            self.dropped += 1
        self._outgoing.put_nowait(payload)

    async def _listen(self, conn: Any) -> None:
        async for note in conn.notifies():
            try:
                self._receive(note.payload)
            except Exception:
                log.exception("a %s notification could not be handled", self.name)

    async def _send(self, conn: Any) -> None:
        while True:
            payload = await self._outgoing.get()
            try:
                await conn.execute("SELECT pg_notify(%s, %s)", (self.name, payload))
            except Exception:
                log.exception("cannot send a %s notification", self.name)

    async def start(self) -> None:
        import psycopg

        self._loop = asyncio.get_running_loop()
        listener = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        sender = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        self._conns = [listener, sender]
        await listener.execute(f"LISTEN {self.name}")
        self._tasks = [
            self._loop.create_task(self._listen(listener)),
            self._loop.create_task(self._send(sender)),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError, Exception):
                await task
        for conn in self._conns:
            await conn.close()
        self._loop = None
