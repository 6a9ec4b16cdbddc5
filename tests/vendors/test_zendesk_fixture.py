"""The Zendesk fixture accepts the documented requests and answers like Zendesk otherwise."""

from __future__ import annotations

import base64

import pytest

from tests.vendors.checks import served, walk_body_link
from tests.vendors.zendesk import EMAIL, TOKEN, ZendeskFixture

BASIC = {"Authorization": "Basic " + base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()}


def test_cursor_paging_walks_every_agent_and_validates_against_openapi():
    fixture = ZendeskFixture(agent_count=230)
    with served(fixture, BASIC) as client:
        users = walk_body_link(
            client,
            "/api/v2/users.json",
            {"role[]": ["agent", "admin"], "page[size]": 100},
            "links.next",
            lambda body: body["users"],
        )
    assert len(users) == 230
    assert len({u["id"] for u in users}) == 230
    assert len(fixture.requests) == 3
    assert fixture.openapi_errors == []


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("phone:15135557611", 1),
        ("phone:*5135557611", 1),
        ("phone:5135557611", 0),
        ("role:end-user phone:*7611", 1),
    ],
    ids=["digits-with-country", "wildcard-suffix", "national-digits-miss", "role-and-phone"],
)
def test_user_search_by_phone_follows_zendesk_digit_matching(query, found):
    fixture = ZendeskFixture(agent_count=5)
    with served(fixture, BASIC) as client:
        response = client.get("/api/v2/users/search.json", params={"query": query})
    assert response.status_code == 200
    assert response.json()["count"] == found
    if found:
        assert response.json()["users"][0]["phone"] == "+1 513-555-7611"


def test_create_user_ticket_and_call_record_are_accepted_and_recorded():
    fixture = ZendeskFixture(agent_count=1)
    with served(fixture, BASIC) as client:
        user = client.post(
            "/api/v2/users.json",
            json={"user": {"name": "Grace Hopper", "phone": "+15135550000", "role": "end-user"}},
        )
        ticket = client.post(
            "/api/v2/tickets.json",
            json={
                "ticket": {
                    "subject": "Call",
                    "comment": {"body": "x", "public": False},
                    "requester_id": user.json()["user"]["id"],
                }
            },
        )
        call = client.post(
            "/api/v2/calls",
            json={
                "call": {
                    "app_id": 1,
                    "from_line": "+15135557611",
                    "to_line": "+15135550100",
                    "call_started_at": "2026-01-02T10:00:00Z",
                    "direction": "inbound",
                }
            },
        )
    assert (user.status_code, ticket.status_code, call.status_code) == (201, 201, 201)
    assert (
        fixture.requests_to("POST", "/api/v2/tickets.json")[0].json["ticket"]["comment"]["public"]
        is False
    )
    assert fixture.openapi_errors == []


def test_idempotency_key_replays_the_first_ticket_and_rejects_a_changed_body():
    fixture = ZendeskFixture(agent_count=1)
    body = {"ticket": {"subject": "Call", "comment": {"body": "x"}}}
    with served(fixture, BASIC | {"Idempotency-Key": "call-42"}) as client:
        first, again = (
            client.post("/api/v2/tickets.json", json=body),
            client.post("/api/v2/tickets.json", json=body),
        )
        changed = client.post(
            "/api/v2/tickets.json", json={"ticket": {"subject": "Other", "comment": {"body": "y"}}}
        )
    assert first.json()["ticket"]["id"] == again.json()["ticket"]["id"]
    assert len(fixture.tickets) == 1
    assert (first.headers["x-idempotency-lookup"], again.headers["x-idempotency-lookup"]) == (
        "miss",
        "hit",
    )
    assert changed.status_code == 400
    assert changed.json()["error"] == "IdempotentRequestError"


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "error"),
    [
        (
            "GET",
            "/api/v2/users.json",
            {"headers": {"Authorization": "Basic eDp5"}},
            401,
            "Couldn't authenticate you",
        ),
        ("DELETE", "/api/v2/users.json", {}, 404, "InvalidEndpoint"),
        (
            "POST",
            "/api/v2/tickets.json",
            {"json": {"ticket": {"subject": "no comment"}}},
            422,
            "RecordInvalid",
        ),
        (
            "GET",
            "/api/v2/users.json",
            {"params": {"page[size]": 500}},
            400,
            "InvalidPaginationParameter",
        ),
        ("GET", "/api/v2/users.json", {"params": {"sort": "name"}}, 400, "InvalidParameter"),
    ],
    ids=["wrong-auth", "wrong-method", "missing-comment", "page-size-over-100", "unknown-param"],
)
def test_undocumented_requests_get_zendesk_errors(method, path, kwargs, status, error):
    with served(ZendeskFixture(agent_count=1), BASIC) as client:
        response = client.request(method, path, **kwargs)
    assert response.status_code == status
    assert response.json()["error"] == error


def test_rate_limit_reply_carries_retry_after():
    fixture = ZendeskFixture(agent_count=1)
    fixture.faults.rate_limit(times=1, retry_after=12)
    with served(fixture, BASIC) as client:
        limited, after = client.get("/api/v2/users.json"), client.get("/api/v2/users.json")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "12"
    assert after.status_code == 200


def test_expired_oauth_token_gets_invalid_token_and_refresh_rotates():
    fixture = ZendeskFixture(agent_count=1)
    with served(fixture) as client:
        tokens = client.post(
            "/oauth/tokens",
            json={"grant_type": "authorization_code", "code": "c", "client_id": "ringdesk"},
        ).json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert client.get("/api/v2/users.json", headers=bearer).status_code == 200
        fixture.expire_tokens()
        expired = client.get("/api/v2/users.json", headers=bearer)
        fresh = client.post(
            "/oauth/tokens",
            json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        reused = client.post(
            "/oauth/tokens",
            json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
    assert expired.status_code == 401
    assert expired.json()["error"] == "invalid_token"
    assert fresh.status_code == 200
    assert fresh.json()["refresh_token"] != tokens["refresh_token"]
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_openapi_flags_a_request_the_description_forbids():
    fixture = ZendeskFixture(agent_count=1)
    with served(fixture, BASIC) as client:
        client.post("/api/v2/tickets.json", json={"ticket": {"subject": "no comment"}})
    assert any("comment" in problem for problem in fixture.openapi_errors)
