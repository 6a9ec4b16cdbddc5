"""Screen pops across processes: on PostgreSQL, pops are relayed over a notification channel
(`store.notify.PgChannel`) so a pop produced by one ringdesk process reaches an agent
connected to another (C9, I7).

A pop published locally is delivered locally at once and NOTIFYed with the hub's `origin`,
so the publishing process ignores its own echo. On SQLite (one process) there is no relay.
Nothing is kept per pop: the channel's send queue is bounded (`store.notify.MAX_QUEUED`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ringdesk.screenpop.hub import Hub
from ringdesk.store.db import Database
from ringdesk.store.notify import PgChannel

__all__ = ["CHANNEL", "PgRelay", "relay_service"]

log = logging.getLogger(__name__)

CHANNEL = "ringdesk_pops"


class PgRelay:
    """Connects `hub` to the other processes' hubs through PostgreSQL notifications."""

    def __init__(self, hub: Hub, database_url: str):
        self.hub = hub
        self.channel = PgChannel(database_url, CHANNEL, self._receive)

    def _forward(self, extension: str, pop: dict[str, Any]) -> None:
        payload = json.dumps(
            {"origin": self.hub.origin, "extension": extension, "pop": pop},
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )
        if not self.channel.send(payload):
            log.warning("screen pop for %s not relayed (too large or closing)", extension)

    def _receive(self, payload: str) -> None:
        try:
            message = json.loads(payload)
            if message.get("origin") == self.hub.origin:
                return
            self.hub.deliver(str(message["extension"]), dict(message["pop"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("ignoring a malformed screen-pop notification")

    async def start(self) -> None:
        await self.channel.start()
        self.hub.relay = self._forward

    async def stop(self) -> None:
        self.hub.relay = None
        await self.channel.stop()

    async def __aenter__(self) -> PgRelay:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()


@asynccontextmanager
async def relay_service(hub: Hub, database: Database) -> AsyncIterator[None]:
    """Background service: relays pops when on PostgreSQL."""
    if not database.is_postgres:
        yield
        return
    relay = PgRelay(hub, database.url)
    try:
        await relay.start()
    except Exception:
        log.exception("screen-pop relay unavailable; pops stay within this process")
        yield
        return
    try:
        yield
    finally:
        await relay.stop()
