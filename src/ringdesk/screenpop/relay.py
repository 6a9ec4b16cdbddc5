"""Screen pops across processes: on PostgreSQL, pops are relayed with LISTEN/NOTIFY so a
pop produced by one ringdesk process reaches an agent connected to another (C9, I7).

Each process LISTENs on one channel; a pop published locally is delivered locally at once
and NOTIFYed with the hub's `origin`, so the publishing process ignores its own echo.
On SQLite (one process) the relay is not started.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import make_url

from ringdesk.screenpop.hub import Hub

__all__ = ["CHANNEL", "MAX_NOTIFY_BYTES", "PgRelay", "relay_service"]

log = logging.getLogger(__name__)

CHANNEL = "ringdesk_pops"
# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
MAX_NOTIFY_BYTES = 7900


def _conninfo(sqlalchemy_url: str) -> str:
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class PgRelay:
    """Connects `hub` to the other processes' hubs through PostgreSQL notifications."""

    def __init__(self, hub: Hub, database_url: str):
        self.hub = hub
        self.conninfo = _conninfo(database_url)
        self._outgoing: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._conns: list[Any] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def _forward(self, extension: str, pop: dict[str, Any]) -> None:
        payload = json.dumps(
            {"origin": self.hub.origin, "extension": extension, "pop": pop},
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )
        if len(payload.encode()) > MAX_NOTIFY_BYTES:
            log.warning("screen pop for %s too large to relay; delivered locally only", extension)
            return
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._outgoing.put_nowait(payload)
        else:
            loop.call_soon_threadsafe(self._outgoing.put_nowait, payload)

    async def _listen(self, conn: Any) -> None:
        async for note in conn.notifies():
            try:
                message = json.loads(note.payload)
                if message.get("origin") == self.hub.origin:
                    continue
                self.hub.deliver(str(message["extension"]), dict(message["pop"]))
            except (ValueError, KeyError, TypeError):
                log.warning("ignoring a malformed screen-pop notification")

    async def _send(self, conn: Any) -> None:
        while True:
            payload = await self._outgoing.get()
            try:
                await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
            except Exception:
                log.exception("cannot relay a screen pop")

    async def start(self) -> None:
        import psycopg

        self._loop = asyncio.get_running_loop()
        listener = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        sender = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        self._conns = [listener, sender]
        await listener.execute(f"LISTEN {CHANNEL}")
        self._tasks = [
            self._loop.create_task(self._listen(listener)),
            self._loop.create_task(self._send(sender)),
        ]
        self.hub.relay = self._forward

    async def stop(self) -> None:
        self.hub.relay = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError, Exception):
                await task
        for conn in self._conns:
            await conn.close()

    async def __aenter__(self) -> PgRelay:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()


@asynccontextmanager
async def relay_service(app: FastAPI) -> AsyncIterator[None]:
    """Background service: records the app's loop; relays pops when on PostgreSQL."""
    app.state.loop = asyncio.get_running_loop()
    if not app.state.db.is_postgres:
        yield
        return
    try:
        relay = PgRelay(app.state.hub, app.state.db.url)
        await relay.start()
    except Exception:
        log.exception("screen-pop relay unavailable; pops stay within this process")
        yield
        return
    try:
        yield
    finally:
        await relay.stop()
