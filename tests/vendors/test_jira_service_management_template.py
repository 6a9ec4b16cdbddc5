"""The built-in `jira-service-management` template, end to end over real HTTP against the
JSM fixture (reached as `auth.atlassian.com` / `api.atlassian.com` through a routed
transport), through the real flows: OAuth 2.0 (3LO) connect and its follow-ups (cloud id,
agent group, Caller phone field), user sync across `nextPage` links, the caller found by
JQL on the Caller phone, customer creation, call log (request + internal comment), ticket,
token expiry with rotating refresh tokens, and the 429 with `Retry-After`. Every request
and response is checked against `openapi/jira_service_management.yaml` (issue 15)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringdesk.flows.contacts import map_contacts
from ringdesk.flows.users import map_users
from ringdesk.templates import load_xml
from ringdesk.templates.library import builtin_xml
from tests.vendors.jira_service_management import (
    AGENT_GROUP_ID,
    CALLER_PHONE_FIELD,
    CLOUD_ID,
    JiraServiceManagementFixture,
)
from tests.vendors.openapi import VendorSpec
from tests.vendors.people import CALLER
from tests.vendors.template_flows import Desk, open_desk

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

UNKNOWN = "+493012345678"
SITE = "https://acme.atlassian.net"
API = f"/ex/jira/{CLOUD_ID}"
REQUESTS = f"{API}/rest/servicedeskapi/request"
OPTIONS = {
    "create_contact": {"enabled": True, "contact_type": "Customers"},
    "ticket": {"enabled": True, "when": "missed"},
}
FIELDS = {
    "client_id": "atl-client-id",
    "client_secret": "atl-client-secret",
    "site_url": SITE,
    "service_desk_id": "1",
    "request_type_id": "12",
}


@pytest.fixture
async def jsm(settings):
    fixture = JiraServiceManagementFixture(agent_count=120)
    with fixture.serve() as base_url:
        routes = {"auth.atlassian.com": base_url, "api.atlassian.com": base_url}
        desk = open_desk(settings, routes=routes)
        await desk.create("jira-service-management", FIELDS, OPTIONS)
        yield fixture, desk
        assert fixture.openapi_errors == []
        await desk.services.aclose()


async def _connected(desk: Desk) -> dict[str, list[str]]:
    query = await desk.authorize("atl-code-1")
    assert desk.status() == "connected"
    result = await desk.sync_users()
    assert len(result.users) == 120
    desk.assign_extension("5b10a2844c20165700ede000", "1001")
    return query


def _comments(fixture: JiraServiceManagementFixture) -> list:
    return [r for r in fixture.requests if r.method == "POST" and r.path.endswith("/comment")]


@SQLITE
async def test_oauth_connect_follow_ups_and_user_sync(jsm):
    """covers A5 (Atlassian 3LO: audience, offline_access, JSON code exchange), F1-F3 (the
    cloud id, agent group and Caller phone field found at connect) and U1-U4 (three pages of
    group members through `nextPage`, startAt/maxResults always sent)."""
    fixture, desk = jsm
    query = await _connected(desk)
    assert query["audience"] == ["api.atlassian.com"]
    assert "offline_access" in query["scope"][0].split()
    assert query["client_id"] == ["atl-client-id"]
    [exchange] = fixture.requests_to("POST", "/oauth/token")
    assert exchange.json["grant_type"] == "authorization_code"
    assert exchange.json["code"] == "atl-code-1"
    assert exchange.json["client_secret"] == "atl-client-secret"
    assert [r.path for r in fixture.requests[1:4]] == [
        "/oauth/token/accessible-resources",
        f"{API}/rest/api/3/groups/picker",
        f"{API}/rest/api/3/field",
    ]
    pages = fixture.requests_to("GET", f"{API}/rest/api/3/group/member")
    assert [(r.param("startAt"), r.param("maxResults")) for r in pages] == [
        ("0", "50"),
        ("50", "50"),
        ("100", "50"),
    ]
    assert pages[0].param("groupId") == AGENT_GROUP_ID
    [token] = fixture.tokens.access
    assert {r.headers["authorization"] for r in pages} == {f"Bearer {token}"}
    assert {r.headers["x-experimentalapi"] for r in pages} == {"opt-in"}


@SQLITE
async def test_known_caller_pops_their_latest_request_and_call_is_an_internal_comment(jsm):
    """covers C1-C6 (JQL on the Caller phone field; the pop opens the caller's latest
    request) and L1 (a request for the call, then an internal comment on it)."""
    fixture, desk = jsm
    await _connected(desk)
    pop = await desk.ring(CALLER.e164, "call-1")
    assert (pop["matched"], pop["contact_id"], pop["name"]) == (
        True,
        "qm:1a2b3c:caller",
        "Ada Lovelace",
    )
    assert pop["popup_url"] == f"{SITE}/browse/SD-1"
    [search] = fixture.requests_to("GET", f"{API}/rest/api/3/search/jql")
    assert search.param("jql") == f'"Caller phone" ~ "{CALLER.e164}" ORDER BY created DESC'
    assert search.param("fields") == f"reporter,summary,{CALLER_PHONE_FIELD}"

    await desk.end(CALLER.e164, "call-1", recording_url="https://pbx.example.com/r/1.wav")
    [request] = fixture.requests_to("POST", REQUESTS)
    assert request.json["serviceDeskId"] == "1"
    assert request.json["requestTypeId"] == "12"
    assert request.json["raiseOnBehalfOf"] == "qm:1a2b3c:caller"
    assert request.json["requestFieldValues"] == {
        "summary": f"Inbound call {CALLER.e164}",
        CALLER_PHONE_FIELD: CALLER.e164,
    }
    [comment] = _comments(fixture)
    assert comment.path == f"{REQUESTS}/SD-100/comment"
    assert comment.json["public"] is False
    assert comment.json["body"].endswith("https://pbx.example.com/r/1.wav")
    assert [j.status for j in desk.jobs("call_log")] == ["done"]


@SQLITE
async def test_unknown_caller_is_created_once_and_missed_call_raises_a_request(jsm):
    """covers N1-N3 (a customer with a placeholder e-mail, found next time through the
    Caller phone its call request carries) and T1-T3."""
    fixture, desk = jsm
    await _connected(desk)
    pop = await desk.ring(UNKNOWN, "call-2", name="Grace Hopper")
    assert pop["matched"] is False
    await desk.end(UNKNOWN, "call-2", name="Grace Hopper", status="missed", talk_seconds=0)
    await desk.drain()
    [customer] = fixture.requests_to("POST", f"{API}/rest/servicedeskapi/customer")
    assert customer.json == {
        "displayName": "Grace Hopper",
        "email": f"phone-{UNKNOWN}@callers.invalid",
    }
    created = fixture.customers[-1]["accountId"]
    raised = [r.json for r in fixture.requests_to("POST", REQUESTS)]
    assert len(raised) == 2  # the call log's request and the ticket
    assert {r["raiseOnBehalfOf"] for r in raised} == {created}
    [ticket] = [r for r in raised if "description" in r["requestFieldValues"]]
    assert ticket["requestFieldValues"]["summary"] == f"Inbound Missed - from {UNKNOWN} to 1001"
    assert ticket["requestFieldValues"][CALLER_PHONE_FIELD] == UNKNOWN

    pop = await desk.ring(UNKNOWN, "call-3")
    assert (pop["matched"], pop["contact_id"]) == (True, created)
    assert pop["popup_url"] == f"{SITE}/browse/SD-101"  # the newest request of the caller
    await desk.end(UNKNOWN, "call-3")
    assert len(fixture.requests_to("POST", f"{API}/rest/servicedeskapi/customer")) == 1


@SQLITE
async def test_expired_token_is_refreshed_and_the_rotated_refresh_token_is_kept(jsm):
    """covers A6/A8 with Atlassian's rotating refresh tokens: each refresh sends the refresh
    token the previous one returned (reusing an old one would get `invalid_grant`)."""
    fixture, desk = jsm
    await _connected(desk)
    for round_ in range(2):
        live = set(fixture.tokens.refresh)
        fixture.expire_tokens()
        pop = await desk.ring(CALLER.e164, f"call-exp-{round_}")
        assert pop["matched"] is True
        refresh = fixture.requests_to("POST", "/oauth/token")[-1]
        assert refresh.json["grant_type"] == "refresh_token"
        assert refresh.json["refresh_token"] in live
        assert refresh.json["client_id"] == "atl-client-id"
        [token] = fixture.tokens.access
        assert fixture.requests[-1].headers["authorization"] == f"Bearer {token}"
    assert len(fixture.tokens.dead_refresh) == 2


@SQLITE
async def test_429_waits_for_retry_after_then_delivers(jsm):
    """covers Atlassian's rate limit: 429 + `Retry-After` is honoured."""
    fixture, desk = jsm
    await _connected(desk)
    fixture.faults.rate_limit(times=1, retry_after=6)
    pop = await desk.ring(CALLER.e164, "call-4")
    assert pop["matched"] is True
    assert desk.clock.sleeps[-1] == 6
    # A create without an idempotency key is not sent twice at once: the outbox puts the
    # job off for the Retry-After, then delivers it.
    fixture.faults.rate_limit(times=1, retry_after=300)
    await desk.end(CALLER.e164, "call-4", drain=False)
    [job] = desk.jobs("call_log")
    assert job.status == "pending"
    assert job.next_attempt_at >= desk.clock.now() + 290
    await desk.drain()
    assert [j.status for j in desk.jobs("call_log")] == ["done"]
    assert len(fixture.requests_to("POST", REQUESTS)) == 2  # the 429, then the delivery
    assert len(fixture.requests_created) == 1
    assert len(fixture.comments) == 1


# ---- the mappings over every response shape the description allows ------------------------

TEMPLATE = load_xml(builtin_xml()["jira-service-management"])
SPEC = VendorSpec.load("jira_service_management")
VARIABLES = {**FIELDS, "cloud_id": CLOUD_ID}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=SPEC.response_strategy("get", "/rest/api/3/search/jql"),
    phone=st.sampled_from(["+15135557611", "(513) 555-7611", ""]),
)
def test_contact_mapping_never_crashes_on_described_search_answers(body, phone):
    """The contact mapping turns any described search answer into contacts with an id."""
    [contact_type] = TEMPLATE.contact_search.contact_types
    contacts = map_contacts(contact_type, json.dumps(body), variables=VARIABLES, phone=phone)
    assert all(c.id for c in contacts)
    assert len(contacts) <= len(body["issues"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=SPEC.response_strategy("get", "/rest/api/3/group/member"))
def test_user_mapping_never_crashes_on_described_member_pages(body):
    """The user mapping reads any described page of group members."""
    assert TEMPLATE.user_association is not None
    users = map_users(TEMPLATE.user_association.mapping, json.dumps(body))
    assert [u.user_id for u in users] == [v["accountId"] for v in body["values"] if v["accountId"]]
