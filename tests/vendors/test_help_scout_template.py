"""The built-in `help-scout` template, end to end over real HTTP against the Help Scout
fixture (reached as `https://api.helpscout.net` through a routed transport), through the
real flows: OAuth2 connect, user sync across HAL pages, match-by-phone over paged customers,
contact creation (id from `Resource-ID`), call log and ticket as phone conversations, token
expiry with rotating refresh tokens, and the `X-RateLimit-Retry-After` 429 (issue 15)."""

from __future__ import annotations

import pytest

from tests.vendors.help_scout import CLIENT_ID, CLIENT_SECRET, HelpScoutFixture
from tests.vendors.people import CALLER, customers
from tests.vendors.template_flows import Desk, open_desk

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

UNKNOWN = "+493012345678"
MAILBOX = "318"
CONVERSATIONS = "/v2/conversations"
OPTIONS = {
    "create_contact": {"enabled": True, "contact_type": "Customers"},
    "ticket": {"enabled": True, "when": "missed"},
}


@pytest.fixture
async def help_scout(settings):
    fixture = HelpScoutFixture(user_count=120)
    # 60 other customers first: the caller is on the second page of the listing.
    fixture.customers[:0] = [
        HelpScoutFixture._customer(600000 + i, p, p.e164) for i, p in enumerate(customers(60))
    ]
    with fixture.serve() as base_url:
        desk = open_desk(settings, routes={"api.helpscout.net": base_url})
        fields = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "mailbox_id": MAILBOX}
        await desk.create("help-scout", fields, OPTIONS)
        yield fixture, desk
        await desk.services.aclose()


async def _connected(desk: Desk) -> dict[str, list[str]]:
    query = await desk.authorize("hs-code-1")
    assert desk.status() == "connected"
    result = await desk.sync_users()
    assert len(result.users) == 120
    desk.assign_extension("4000", "1001")
    return query


async def test_oauth_connect_and_user_sync_follow_next_links(help_scout):
    """covers A5 (authorization code at Help Scout's token endpoint) and U1-U4 (three HAL
    pages of 50 through `_links.next.href`)."""
    fixture, desk = help_scout
    query = await _connected(desk)
    assert query["client_id"] == [CLIENT_ID]
    [exchange] = fixture.requests_to("POST", "/v2/oauth2/token")
    assert exchange.form is not None
    assert exchange.form["grant_type"] == "authorization_code"
    assert exchange.form["code"] == "hs-code-1"
    assert (exchange.form["client_id"], exchange.form["client_secret"]) == (
        CLIENT_ID,
        CLIENT_SECRET,
    )
    pages = fixture.requests_to("GET", "/v2/users")
    assert [r.param("page") for r in pages] == [None, "2", "3"]
    assert {r.headers["host"] for r in pages} == {"api.helpscout.net"}
    [token] = fixture.tokens.access
    assert {r.headers["authorization"] for r in pages} == {f"Bearer {token}"}
    users = {u.user_id: u for u in desk.users()}
    assert (users["4000"].first_name, users["4000"].last_name) == ("Ada", "Lovelace0")


async def test_known_caller_is_matched_by_phone_and_call_is_a_closed_phone_conversation(
    help_scout,
):
    """covers C1-C4 with match="phone" (no phone filter: the caller's `513-555-7611` is found
    on page 2 of the customers), C9 and L1 (a closed phone conversation)."""
    fixture, desk = help_scout
    await _connected(desk)
    pop = await desk.ring(CALLER.e164, "call-1")
    assert (pop["matched"], pop["contact_id"], pop["name"]) == (True, "700001", "Ada Lovelace")
    assert pop["popup_url"] == "https://secure.helpscout.net/customer/700001/0/"
    listing = fixture.requests_to("GET", "/v2/customers")
    assert [r.param("page") for r in listing] == [None, "2"]
    assert {(r.param("sortField"), r.param("sortOrder")) for r in listing} == {
        ("modifiedAt", "desc")
    }

    await desk.end(CALLER.e164, "call-1", recording_url="https://pbx.example.com/r/1.wav")
    [created] = fixture.requests_to("POST", CONVERSATIONS)
    body = created.json
    assert (body["type"], body["status"], body["mailboxId"]) == ("phone", "closed", MAILBOX)
    assert body["customer"] == {"id": "700001"}
    assert body["assignTo"] == "4000"
    [thread] = body["threads"]
    assert (thread["type"], thread["customer"]) == ("phone", {"id": "700001"})
    assert thread["text"].endswith("https://pbx.example.com/r/1.wav")
    [job] = desk.jobs("call_log")
    assert (job.status, job.result["id"]) == ("done", "90000")  # from Resource-ID


async def test_unknown_caller_is_created_once_and_missed_call_opens_a_conversation(help_scout):
    """covers N1-N3 (the new id comes from `Resource-ID`: the body is empty) and T1-T3."""
    fixture, desk = help_scout
    await _connected(desk)
    pop = await desk.ring(UNKNOWN, "call-2", name="Grace Hopper")
    assert pop["matched"] is False
    await desk.end(UNKNOWN, "call-2", name="Grace Hopper", status="missed", talk_seconds=0)
    await desk.drain()
    [customer] = fixture.requests_to("POST", "/v2/customers")
    assert customer.json == {
        "firstName": "Grace",
        "lastName": "Hopper",
        "phones": [{"type": "work", "value": UNKNOWN}],
    }
    created = str(fixture.customers[-1]["id"])
    conversations = [r.json for r in fixture.requests_to("POST", CONVERSATIONS)]
    assert sorted(c["status"] for c in conversations) == ["active", "closed"]
    assert {c["customer"]["id"] for c in conversations} == {created}
    [ticket] = [c for c in conversations if c["status"] == "active"]
    assert ticket["subject"] == f"Inbound Missed - from {UNKNOWN} to 1001"

    pop = await desk.ring(UNKNOWN, "call-3")
    assert (pop["matched"], pop["contact_id"]) == (True, created)
    await desk.end(UNKNOWN, "call-3")
    assert len(fixture.requests_to("POST", "/v2/customers")) == 1


async def test_expired_token_is_refreshed_with_the_rotated_refresh_token(help_scout):
    """covers A6/A8: a 401 `invalid_token` → refresh → the request is sent again with the
    new token; the next expiry uses the refresh token the previous refresh returned."""
    fixture, desk = help_scout
    await _connected(desk)
    for round_ in range(2):
        refresh_before = set(fixture.tokens.refresh)
        fixture.expire_tokens()
        pop = await desk.ring(CALLER.e164, f"call-exp-{round_}")
        assert pop["matched"] is True
        refresh = fixture.requests_to("POST", "/v2/oauth2/token")[-1]
        assert refresh.form is not None
        assert refresh.form["grant_type"] == "refresh_token"
        assert refresh.form["refresh_token"] in refresh_before
        assert refresh.form["refresh_token"] in fixture.tokens.dead_refresh  # rotated away
        [token] = fixture.tokens.access
        assert fixture.requests[-1].headers["authorization"] == f"Bearer {token}"
    assert len(fixture.requests_to("POST", "/v2/oauth2/token")) == 3  # code + 2 refreshes


async def test_429_waits_for_x_ratelimit_retry_after_then_delivers(help_scout):
    """covers Help Scout's rate limit: 429 + `X-RateLimit-Retry-After` is honoured."""
    fixture, desk = help_scout
    await _connected(desk)
    fixture.faults.rate_limit(times=1, retry_after=11)
    pop = await desk.ring(CALLER.e164, "call-4")
    assert pop["matched"] is True
    assert desk.clock.sleeps[-1] == 11
    fixture.faults.rate_limit(times=1, retry_after=5)
    await desk.end(CALLER.e164, "call-4")
    assert desk.clock.sleeps[-1] == 5
    assert len(fixture.conversations) == 1
