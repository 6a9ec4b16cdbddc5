"""In-process pub/sub of screen pops, one channel per extension (C9 transport).

Each subscriber (an agent's open event stream) gets a bounded queue; a slow consumer loses
its oldest pops rather than holding memory or blocking the publisher. `publish` may be
called from any thread. A relay (see `screenpop.relay`) can forward pops to other processes.

Memory: one queue of at most `DEFAULT_QUEUE_SIZE` pops per open agent stream, dropped when
the stream closes; nothing is kept per call or per caller.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

__all__ = ["DEFAULT_QUEUE_SIZE", "Hub", "Subscription"]

DEFAULT_QUEUE_SIZE = 100

Pop = dict[str, Any]


class Subscription:
    """One subscriber's stream of pops: iterate it; `close()` (or `with`) unsubscribes."""

    def __init__(self, hub: Hub, extension: str, maxsize: int):
        self.hub = hub
        self.extension = extension
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Pop] = asyncio.Queue(maxsize=maxsize)
        self.dropped = 0

    def _put(self, pop: Pop) -> None:
        # Runs on the subscriber's loop: drop the oldest pop when full.
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(pop)

    def offer(self, pop: Pop) -> None:
        """Queue `pop` for this subscriber, from any thread."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self._put(pop)
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._put, pop)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Pop:
        return await self.queue.get()

    async def get(self, wait: float | None = None) -> Pop | None:
        """The next pop, or None when `wait` seconds pass first."""
        try:
            return await asyncio.wait_for(self.queue.get(), wait)
        except TimeoutError:
            return None

    def close(self) -> None:
        self.hub._remove(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Hub:
    """Screen-pop channels by extension. `origin` tells this process's pops apart on a relay."""

    def __init__(self, *, queue_size: int = DEFAULT_QUEUE_SIZE):
        self.queue_size = queue_size
        self.origin = uuid.uuid4().hex
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscription]] = {}
        # Set by a relay: forwards a pop published here to the other processes.
        self.relay: Callable[[str, Pop], None] | None = None

    def subscribe(self, extension: str) -> Subscription:
        """Start receiving pops for `extension` (from now on); call inside a running loop."""
        sub = Subscription(self, extension, self.queue_size)
        with self._lock:
            self._subscribers.setdefault(extension, set()).add(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subscribers.get(sub.extension)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subscribers[sub.extension]

    def subscriber_count(self, extension: str) -> int:
        with self._lock:
            return len(self._subscribers.get(extension, ()))

    def deliver(self, extension: str, pop: Pop) -> int:
        """Hand `pop` to this process's subscribers of `extension`; returns how many."""
        with self._lock:
            subs = list(self._subscribers.get(extension, ()))
        for sub in subs:
            sub.offer(pop)
        return len(subs)

    def publish(self, extension: str, pop: Pop) -> None:
        """Send `pop` to every agent watching `extension`, here and (via the relay) elsewhere.

        The pop is stamped with `published_at` (Unix seconds) unless it has one.
        """
        pop = {**pop}
        pop.setdefault("published_at", time.time())
        self.deliver(extension, pop)
        if self.relay is not None:
            self.relay(extension, pop)
