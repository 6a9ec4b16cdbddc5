"""The Zoho Desk fixture accepts the documented requests and answers like Zoho Desk."""

from __future__ import annotations

import pytest

from tests.vendors.checks import served, walk_pages
from tests.vendors.zoho_desk import ORG_ID, ZohoDeskFixture


@pytest.fixture
def zoho():
    fixture = ZohoDeskFixture(agent_count=130)
    access, _ = fixture.tokens.issue(access="zoho-at-1", refresh="zoho-rt-1")
    return fixture, {"Authorization": f"Zoho-oauthtoken {access}", "orgId": ORG_ID}


def test_agents_page_by_from_and_limit_until_204(zoho):
    fixture, headers = zoho
    with served(fixture, headers) as client:
        agents = walk_pages(
            client,
            "/api/v1/agents",
            {"limit": 50},
            lambda body: body["data"],
            param="from",
            start=0,
            step=50,
        )
    assert len(agents) == 130
    assert {"firstName", "lastName", "emailId"} <= set(agents[0])


@pytest.mark.parametrize(
    ("phone", "status"),
    [("15135557611", 200), ("*5135557611", 200), ("5135557611", 204)],
    ids=["digits", "wildcard", "national-digits-204"],
)
def test_contact_search_by_phone_answers_204_when_empty(zoho, phone, status):
    fixture, headers = zoho
    with served(fixture, headers) as client:
        response = client.get("/api/v1/contacts/search", params={"phone": phone, "limit": 10})
    assert response.status_code == status
    if status == 200:
        assert response.json()["data"][0]["webUrl"].endswith("#Contacts/dv/1892000000772003")
    else:
        assert response.content == b""


def test_contact_call_and_ticket_are_accepted_and_the_call_time_format_is_enforced(zoho):
    fixture, headers = zoho
    call = {
        "departmentId": "1",
        "subject": "Call",
        "direction": "inbound",
        "duration": "205",
        "status": "Completed",
        "contactId": "1892000000772003",
    }
    with served(fixture, headers) as client:
        contact = client.post(
            "/api/v1/contacts", json={"lastName": "Hopper", "phone": "+15135550000"}
        )
        ok = client.post("/api/v1/calls", json=call | {"startTime": "2026-01-02T10:00:00.000Z"})
        bad = client.post("/api/v1/calls", json=call | {"startTime": "2026-01-02 10:00"})
        ticket = client.post(
            "/api/v1/tickets",
            json={
                "subject": "Missed",
                "departmentId": "1",
                "contactId": "1892000000772003",
                "channel": "Phone",
            },
        )
        missing = client.post("/api/v1/contacts", json={"firstName": "No last name"})
    assert (contact.status_code, ok.status_code, ticket.status_code) == (200, 200, 200)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["fieldName"] == "/startTime"
    assert missing.status_code == 422
    assert missing.json()["errors"][0] == {
        "fieldName": "/lastName",
        "errorType": "missing",
        "errorMessage": "",
    }


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"Authorization": "Bearer zoho-at-1", "orgId": ORG_ID}, 401, "INVALID_OAUTH"),
        ({"Authorization": "Zoho-oauthtoken zoho-at-1"}, 400, "INVALID_DATA"),
    ],
    ids=["bearer-instead-of-zoho-oauthtoken", "missing-orgId"],
)
def test_auth_header_format_and_org_id_are_enforced(zoho, headers, status, code):
    fixture, _ = zoho
    with served(fixture) as client:
        response = client.get("/api/v1/agents", headers=headers)
    assert response.status_code == status
    assert response.json()["errorCode"] == code


def test_expiry_refresh_without_rotation_and_rate_limit_without_retry_after(zoho):
    fixture, headers = zoho
    with served(fixture, headers) as client:
        fixture.expire_tokens()
        expired = client.get("/api/v1/agents")
        refreshed = client.post(
            "/oauth/v2/token",
            params={
                "grant_type": "refresh_token",
                "refresh_token": "zoho-rt-1",
                "client_id": "c",
                "client_secret": "s",
            },
        )
        bad_refresh = client.post(
            "/oauth/v2/token", params={"grant_type": "refresh_token", "refresh_token": "nope"}
        )
        fixture.faults.rate_limit()
        limited = client.get(
            "/api/v1/agents",
            headers={"Authorization": f"Zoho-oauthtoken {refreshed.json()['access_token']}"},
        )
    assert expired.status_code == 401
    assert expired.json()["errorCode"] == "INVALID_OAUTH"
    assert "refresh_token" not in refreshed.json()
    assert refreshed.json()["api_domain"]
    assert bad_refresh.status_code == 200
    assert bad_refresh.json() == {"error": "invalid_code"}
    assert limited.status_code == 429
    assert "Retry-After" not in limited.headers
