"""The screen-pop hub: per-extension channels with bounded, drop-oldest queues (C9)."""

from __future__ import annotations

import asyncio
import threading

from ringdesk.screenpop.hub import Hub


async def test_publish_reaches_only_that_extension():
    """A pop for 1001 reaches 1001's subscribers, not 1002's (covers C9)."""
    hub = Hub()
    with hub.subscribe("1001") as a, hub.subscribe("1001") as b, hub.subscribe("1002") as c:
        hub.publish("1001", {"name": "Ada"})
        assert (await a.get(1))["name"] == "Ada"
        assert (await b.get(1))["name"] == "Ada"
        assert await c.get(0.01) is None


async def test_pops_are_stamped_and_copied():
    """publish stamps `published_at` and never mutates the caller's dict."""
    hub = Hub()
    pop = {"name": "Ada"}
    with hub.subscribe("1001") as sub:
        hub.publish("1001", pop)
        got = await sub.get(1)
    assert "published_at" in got
    assert pop == {"name": "Ada"}


async def test_slow_consumer_drops_oldest():
    """A full queue drops its oldest pop, keeping the newest ones."""
    hub = Hub(queue_size=3)
    with hub.subscribe("1001") as sub:
        for i in range(5):
            hub.publish("1001", {"n": i})
        got = [(await sub.get(1))["n"] for _ in range(3)]
        assert got == [2, 3, 4]
        assert sub.dropped == 2


async def test_close_unsubscribes():
    """Closed subscriptions are forgotten."""
    hub = Hub()
    sub = hub.subscribe("1001")
    assert hub.subscriber_count("1001") == 1
    sub.close()
    assert hub.subscriber_count("1001") == 0
    hub.publish("1001", {"n": 1})  # nobody listening: no error


async def test_publish_from_another_thread():
    """publish is safe from worker threads: the pop arrives on the subscriber's loop."""
    hub = Hub()
    with hub.subscribe("1001") as sub:
        thread = threading.Thread(target=hub.publish, args=("1001", {"n": 7}))
        thread.start()
        thread.join()
        assert (await sub.get(2))["n"] == 7


async def test_relay_hook_receives_published_pops():
    """A relay sees every locally published pop; deliver() does not re-relay."""
    hub = Hub()
    relayed = []
    hub.relay = lambda ext, pop: relayed.append((ext, pop["n"]))
    hub.publish("1001", {"n": 1})
    hub.deliver("1001", {"n": 2})
    assert relayed == [("1001", 1)]
    await asyncio.sleep(0)
