"""The demo helpdesk as a soak run's fault injector and witness: requests in flight and
their peak, connections dropped after processing, revoked tokens, call ids stored twice."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from ringdesk.demo import create_demo_app
from tests.demo.test_app import _authorize
from tests.live import serve_app

TOKEN = "demo-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def demo():
    app = create_demo_app(access_token_ttl=60)
    with (
        serve_app(app) as url,
        httpx.Client(base_url=url, headers=BEARER, timeout=10) as http,
    ):
        yield http


async def test_in_flight_peak_counts_concurrent_requests(demo):
    """Six requests held 300 ms each, sent at once: the peak is 6 and nothing stays in flight
    (what a soak run compares with the template's concurrency cap, G3)."""
    demo.post("/_demo/faults", json={"latency_ms": 300})
    async with httpx.AsyncClient(base_url=str(demo.base_url), headers=BEARER) as client:
        answers = await asyncio.gather(*(client.get("/api/me") for _ in range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    state = demo.get("/_demo/state").json()
    assert (state["max_in_flight"], state["in_flight"]) == (6, 0)
    assert demo.post("/_demo/reset-peak").json() == {"max_in_flight": 6}
    assert demo.get("/_demo/state").json()["max_in_flight"] == 0


def test_dropped_connection_after_the_call_was_stored(demo):
    """`drop` closes the connection mid-response after the helpdesk stored the call: the
    client sees a protocol error, the helpdesk has the record."""
    assert demo.post("/_demo/faults", json={"drop": 1}).json()["drop"] == 1
    with pytest.raises(httpx.RemoteProtocolError):
        demo.post("/api/calls", json={"call_id": "d-1"})
    assert demo.post("/api/calls", json={"call_id": "d-2"}).status_code == 201
    state = demo.get("/_demo/state").json()
    assert [c["call_id"] for c in state["records"]["calls"]] == ["d-1", "d-2"]
    assert (state["dropped"], state["failed_on_purpose"]) == (1, 0)


def test_revoked_access_token_is_refused_and_refresh_still_works(demo):
    """A revoked (not expired) access token gets 401 invalid_token; its refresh token
    still gets a new pair, which works."""
    code = _authorize(demo)
    tokens = demo.post(
        "/oauth/token", data={"grant_type": "authorization_code", "code": code}
    ).json()
    demo.post("/_demo/revoke-tokens")
    old = {"Authorization": f"Bearer {tokens['access_token']}"}
    refused = demo.get("/api/me", headers=old)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    fresh = demo.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    ).json()
    assert (
        demo.get(
            "/api/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}
        ).status_code
        == 200
    )
    state = demo.get("/_demo/state").json()
    assert (state["token_revocations"], state["token_expiries"]) == (1, 0)


def test_call_ids_stored_twice_are_listed_per_kind(demo):
    """The duplicate counter is keyed by call id, separately for calls, tickets, contacts."""
    for _ in range(3):
        demo.post("/api/calls", json={"call_id": "x-1"})
    demo.post("/api/calls", json={"call_id": "x-2"})
    demo.post("/api/tickets", json={"call_id": "x-2"})
    for _ in range(2):
        demo.post("/api/contacts", json={"last_name": "N", "phone": "+49301", "call_id": "x-3"})
    state = demo.get("/_demo/state").json()
    assert state["duplicate_call_ids"] == {
        "calls": {"x-1": 3},
        "tickets": {},
        "contacts": {"x-3": 2},
    }
    assert state["duplicates"] == 2
