"""The Freshservice fixture accepts the documented requests and answers like Freshservice."""

from __future__ import annotations

import base64

import pytest

from tests.vendors.checks import served, walk_link_header
from tests.vendors.freshservice import API_KEY, FreshserviceFixture

BASIC = {"Authorization": "Basic " + base64.b64encode(f"{API_KEY}:X".encode()).decode()}


def test_agents_are_wrapped_and_paged_by_link_header():
    fixture = FreshserviceFixture(agent_count=120)
    with served(fixture, BASIC) as client:
        agents = walk_link_header(
            client, "/api/v2/agents", {"per_page": 100}, lambda body: body["agents"]
        )
    assert len(agents) == 120
    assert {"first_name", "last_name", "email"} <= set(agents[0])


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"work_phone_number": "(513) 555-7611"}, 1),
        ({"work_phone_number": "5135557611"}, 0),
        ({"query": "\"work_phone_number:'(513) 555-7611'\""}, 1),
        ({"query": "work_phone_number:'x'"}, None),
    ],
    ids=["stored-form", "digits-miss", "query-language", "unquoted-query"],
)
def test_requester_filters_match_the_stored_string(params, found):
    with served(FreshserviceFixture(agent_count=1), BASIC) as client:
        response = client.get("/api/v2/requesters", params=params)
    if found is None:
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "query"
    else:
        assert len(response.json()["requesters"]) == found


def test_requester_ticket_and_note_are_accepted_and_bad_requests_rejected():
    fixture = FreshserviceFixture(agent_count=1)
    with served(fixture, BASIC) as client:
        requester = client.post(
            "/api/v2/requesters", json={"first_name": "Grace", "work_phone_number": "5135550000"}
        )
        ticket = client.post(
            "/api/v2/tickets",
            json={
                "subject": "Call",
                "description": "d",
                "status": 2,
                "priority": 1,
                "source": 3,
                "requester_id": requester.json()["requester"]["id"],
            },
        )
        note = client.post(
            f"/api/v2/tickets/{ticket.json()['ticket']['id']}/notes",
            json={"body": "log", "private": True},
        )
        missing = client.post("/api/v2/requesters", json={"last_name": "Only"})
        wrong_auth = client.get("/api/v2/agents", headers={"Authorization": "Bearer x"})
        wrong_method = client.delete("/api/v2/requesters")
    assert (requester.status_code, ticket.status_code, note.status_code) == (201, 201, 201)
    assert missing.status_code == 400
    assert {e["field"] for e in missing.json()["errors"]} >= {"first_name"}
    assert wrong_auth.status_code == 401
    assert wrong_method.status_code == 405


def test_rate_limit_uses_freshservice_headers_and_revoked_key_is_401():
    fixture = FreshserviceFixture(agent_count=1)
    fixture.faults.rate_limit()
    with served(fixture, BASIC) as client:
        limited = client.get("/api/v2/agents")
        fixture.expire_tokens()
        revoked = client.get("/api/v2/agents")
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    assert "X-Ratelimit-Remaining" in limited.headers
    assert revoked.status_code == 401


def test_requester_query_language_supports_or():
    query = "\"work_phone_number:'+15135557611' OR work_phone_number:'(513) 555-7611'\""
    with served(FreshserviceFixture(agent_count=1), BASIC) as client:
        response = client.get("/api/v2/requesters", params={"query": query})
    assert [r["id"] for r in response.json()["requesters"]] == [21000]
