"""Screen pops across processes through PostgreSQL LISTEN/NOTIFY (C9, I7)."""

from __future__ import annotations

import pytest

from ringdesk.screenpop.hub import Hub
from ringdesk.screenpop.relay import PgRelay
from tests.pg import create_database


@pytest.mark.pg
async def test_pop_published_in_one_process_reaches_another(postgres_server_url):
    """A pop published on hub A reaches a subscriber of hub B, once; A ignores its echo."""
    url = create_database(postgres_server_url)
    a, b = Hub(), Hub()
    async with PgRelay(a, url), PgRelay(b, url):
        with b.subscribe("1001") as on_b, a.subscribe("1001") as on_a:
            a.publish("1001", {"name": "Ada"})
            got = await on_b.get(10)
            assert got is not None
            assert got["name"] == "Ada"
            assert (await on_a.get(10))["name"] == "Ada"  # local delivery
            assert await on_a.get(0.3) is None  # no echo from the relay
            assert await on_b.get(0.05) is None
