"""The Freshdesk fixture accepts the documented requests and answers like Freshdesk otherwise."""

from __future__ import annotations

import base64

import pytest

from tests.vendors.checks import served, walk_link_header
from tests.vendors.freshdesk import API_KEY, FreshdeskFixture

BASIC = {"Authorization": "Basic " + base64.b64encode(f"{API_KEY}:X".encode()).decode()}


def test_agents_page_through_the_link_header_only():
    fixture = FreshdeskFixture(agent_count=75)
    with served(fixture, BASIC) as client:
        agents = walk_link_header(client, "/api/v2/agents", {"per_page": 30}, lambda body: body)
    assert len(agents) == 75
    assert agents[0]["contact"]["email"].endswith("@acme.example")
    assert [r.param("page") for r in fixture.requests] == [None, "2", "3"]


@pytest.mark.parametrize(
    ("params", "found"),
    [({"phone": "5135557611"}, 1), ({"phone": "+15135557611"}, 0), ({"mobile": "5135557611"}, 0)],
    ids=["stored-form", "e164-misses", "other-field"],
)
def test_contact_filter_is_an_exact_match_on_the_stored_string(params, found):
    with served(FreshdeskFixture(agent_count=1), BASIC) as client:
        response = client.get("/api/v2/contacts", params=params)
    assert response.status_code == 200
    assert len(response.json()) == found


def test_search_query_must_be_quoted_and_matches_phone_or_mobile():
    with served(FreshdeskFixture(agent_count=1), BASIC) as client:
        ok = client.get(
            "/api/v2/search/contacts",
            params={"query": "\"mobile:'5135557611' OR phone:'513-555-7611'\""},
        )
        unquoted = client.get("/api/v2/search/contacts", params={"query": "phone:'5135557611'"})
    assert ok.json()["total"] == 1
    assert unquoted.status_code == 400
    assert unquoted.json()["errors"][0]["field"] == "query"


def test_contact_ticket_and_private_note_are_accepted():
    fixture = FreshdeskFixture(agent_count=1)
    with served(fixture, BASIC) as client:
        contact = client.post(
            "/api/v2/contacts", json={"name": "Grace Hopper", "phone": "5135550000"}
        )
        ticket = client.post(
            "/api/v2/tickets",
            json={
                "subject": "Call",
                "description": "d",
                "status": 5,
                "priority": 1,
                "source": 3,
                "requester_id": contact.json()["id"],
            },
        )
        note = client.post(
            f"/api/v2/tickets/{ticket.json()['id']}/notes",
            json={"body": "Call log", "private": True},
        )
    assert (contact.status_code, ticket.status_code, note.status_code) == (201, 201, 201)
    assert fixture.notes[0]["private"] is True


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "check"),
    [
        (
            "GET",
            "/api/v2/agents",
            {"headers": {"Authorization": "Basic d3Jvbmc6WA=="}},
            401,
            lambda b: b["code"] == "invalid_credentials",
        ),
        (
            "PUT",
            "/api/v2/agents",
            {},
            405,
            lambda b: "It should be one of these method(s): GET" in b["message"],
        ),
        (
            "POST",
            "/api/v2/contacts",
            {"json": {"name": "No Channel"}},
            400,
            lambda b: b["errors"][0]["code"] == "missing_field",
        ),
        (
            "GET",
            "/api/v2/agents",
            {"params": {"role": "x"}},
            400,
            lambda b: b["errors"][0]["code"] == "invalid_field",
        ),
        (
            "GET",
            "/api/v2/agents",
            {"params": {"per_page": 101}},
            400,
            lambda b: b["description"] == "Validation failed",
        ),
    ],
    ids=["wrong-key", "wrong-method", "no-channel", "unknown-param", "per-page-over-100"],
)
def test_undocumented_requests_get_freshdesk_errors(method, path, kwargs, status, check):
    with served(FreshdeskFixture(agent_count=1), BASIC) as client:
        response = client.request(method, path, **kwargs)
    assert response.status_code == status
    assert check(response.json())


def test_rate_limit_and_revoked_key():
    fixture = FreshdeskFixture(agent_count=1)
    fixture.faults.rate_limit(retry_after=30)
    with served(fixture, BASIC) as client:
        limited = client.get("/api/v2/agents")
        fixture.expire_tokens()
        revoked = client.get("/api/v2/agents")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "30"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert revoked.status_code == 401
    assert revoked.json()["code"] == "invalid_credentials"
