"""The built-in `zammad` template, end to end over real HTTP against the Zammad fixture,
through the real flows: connect, user sync across pages, screen pop, contact creation for
an unknown caller, call log, ticket, and a proxy's 429 (issue 15, items 1-2)."""

from __future__ import annotations

import pytest

from tests.vendors.people import CALLER
from tests.vendors.template_flows import Desk, open_desk
from tests.vendors.zammad import API_TOKEN, ZammadFixture

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

UNKNOWN = "+493012345678"
OPTIONS = {
    "create_contact": {"enabled": True, "contact_type": "Users"},
    "ticket": {"enabled": True, "when": "missed"},
}


@pytest.fixture
async def zammad(settings):
    fixture = ZammadFixture(agent_count=230)
    with fixture.serve() as base_url:
        desk = open_desk(settings)
        fields = {"base_url": base_url, "api_token": API_TOKEN, "group": "Users"}
        await desk.create("zammad", fields, OPTIONS)
        yield fixture, desk
        await desk.services.aclose()


async def _connected(desk: Desk) -> None:
    assert await desk.connect() == {"status": "connected"}
    result = await desk.sync_users()
    assert len(result.users) == 230
    desk.assign_extension(str(10), "1001")  # the first agent answers extension 1001


async def test_connect_and_user_sync_pages_by_permission(zammad):
    """covers A7 (`Token token=` with no space), U1-U4: three full pages of agents."""
    fixture, desk = zammad
    await _connected(desk)
    assert desk.status() == "connected"
    pages = fixture.requests_to("GET", "/api/v1/users/search")
    assert [(r.param("page"), r.param("per_page")) for r in pages] == [
        ("1", "100"),
        ("2", "100"),
        ("3", "100"),
    ]
    assert {r.param("query") for r in pages} == {"*"}
    assert {r.param("permissions[]") for r in pages} == {"ticket.agent"}
    assert {r.headers["authorization"] for r in fixture.requests} == {f"Token token={API_TOKEN}"}
    users = {u.user_id: u for u in desk.users()}
    assert len(users) == 230
    assert "2000" not in users
    assert (users["10"].first_name, users["10"].email) == ("Ada", "ada.0@acme.example")


async def test_known_caller_pops_and_answered_call_is_a_closed_phone_ticket(zammad):
    """covers C1-C4, C9 (pop link into the agent UI) and L1 (call log as a phone article)."""
    fixture, desk = zammad
    await _connected(desk)
    pop = await desk.ring(CALLER.e164, "call-1")
    assert (pop["matched"], pop["contact_id"], pop["name"]) == (True, "2000", "Ada Lovelace")
    assert pop["popup_url"] == f"{fixture_base(fixture)}/#user/profile/2000"
    search = fixture.requests_to("GET", "/api/v1/users/search")[-1]
    # National digits first: a `+` would be an operator in Elasticsearch's query string.
    assert search.param("query") == "phone:*5135557611 OR mobile:*5135557611"
    assert search.param("limit") == "10"

    await desk.end(CALLER.e164, "call-1", recording_url="https://pbx.example.com/r/1.wav")
    [created] = fixture.requests_to("POST", "/api/v1/tickets")
    body = created.json
    assert body["customer_id"] == "2000"
    assert body["owner_id"] == "10"
    assert (body["state"], body["group"]) == ("closed", "Users")
    assert body["title"] == f"Inbound call {CALLER.e164}"
    article = body["article"]
    assert (article["type"], article["sender"], article["internal"]) == ("phone", "Customer", True)
    assert article["body"].startswith("Call: 2026-01-02 10:00:00 Answered from +15135557611")
    assert article["body"].endswith("https://pbx.example.com/r/1.wav")
    assert fixture.articles[-1]["type"] == "phone"
    assert not fixture.requests_to("POST", "/api/v1/users")  # a known caller is not created
    assert [j.status for j in desk.jobs("call_log")] == ["done"]
    assert desk.jobs("ticket") == []  # answered: tickets are for missed calls here


async def test_unknown_caller_is_created_once_and_missed_call_opens_a_ticket(zammad):
    """covers N1-N3 (one contact for an unknown caller), T1-T3 (a ticket for a missed call)."""
    fixture, desk = zammad
    await _connected(desk)
    pop = await desk.ring(UNKNOWN, "call-2", name="Grace Hopper")
    assert pop["matched"] is False
    assert [a["action"] for a in pop["actions"]] == ["create-contact", "new-ticket"]

    await desk.end(UNKNOWN, "call-2", name="Grace Hopper", status="missed", talk_seconds=0)
    await desk.drain()  # nothing left to do: still one contact
    [user] = fixture.requests_to("POST", "/api/v1/users")
    assert user.json["firstname"] == "Grace"
    assert user.json["lastname"] == "Hopper"
    assert user.json["phone"] == UNKNOWN
    assert user.json["roles"] == ["Customer"]
    created_id = str(fixture.users[-1]["id"])

    tickets = [r.json for r in fixture.requests_to("POST", "/api/v1/tickets")]
    [log] = [t for t in tickets if t.get("state") == "closed"]
    [ticket] = [t for t in tickets if "state" not in t]
    assert log["customer_id"] == ticket["customer_id"] == created_id
    assert ticket["title"] == f"Inbound Missed - from {UNKNOWN} to 1001"
    assert (ticket["article"]["type"], ticket["article"]["internal"]) == ("phone", False)

    # The caller calls again: found by the search now, not created a second time.
    pop = await desk.ring(UNKNOWN, "call-3")
    assert (pop["matched"], pop["contact_id"]) == (True, created_id)
    await desk.end(UNKNOWN, "call-3")
    assert len(fixture.requests_to("POST", "/api/v1/users")) == 1


async def test_a_proxy_429_is_retried_and_then_delivered(zammad):
    """covers the retry policy on a bare 429 (Zammad documents no rate limit or header): a
    search, and a create sent with its idempotency key, are retried after a backoff."""
    fixture, desk = zammad
    await _connected(desk)
    fixture.faults.rate_limit(times=1)
    pop = await desk.ring(CALLER.e164, "call-4")
    assert pop["matched"] is True
    statuses = [r.path for r in fixture.requests[-2:]]
    assert statuses == ["/api/v1/users/search", "/api/v1/users/search"]
    assert desk.clock.sleeps  # waited before the retry

    waits = len(desk.clock.sleeps)
    fixture.faults.rate_limit(times=1)
    await desk.end(CALLER.e164, "call-4")  # matched at ringing: the create is the first request
    posts = fixture.requests_to("POST", "/api/v1/tickets")
    assert len(posts) == 2
    assert posts[0].json == posts[1].json
    assert len(desk.clock.sleeps) == waits + 1
    assert [j.status for j in desk.jobs("call_log")] == ["done"]
    assert len(fixture.tickets) == 1


def fixture_base(fixture: ZammadFixture) -> str:
    first = fixture.requests[0]
    return f"http://{first.headers['host']}"
