"""The notification channel's outgoing queue is bounded (issue 12: flat memory): while the
database does not take NOTIFYs, the oldest payloads are dropped, the newest kept."""

from __future__ import annotations

import asyncio

from ringdesk.store.notify import MAX_QUEUED, PgChannel


async def test_a_stalled_channel_keeps_only_the_newest_payloads():
    channel = PgChannel("postgresql://127.0.0.1/none", "pops", lambda _payload: None)
    channel._loop = asyncio.get_running_loop()  # as after start(), with no sender running
    for n in range(MAX_QUEUED + 5):
        assert channel.send(f"pop-{n}")
    assert channel.dropped == 5
    assert channel._outgoing.qsize() == MAX_QUEUED
    assert channel._outgoing.get_nowait() == "pop-5"
