"""The ServiceNow fixture accepts the documented Table API requests and answers like
ServiceNow otherwise."""

from __future__ import annotations

import base64

import pytest

from tests.vendors.checks import served, walk_link_header
from tests.vendors.servicenow import PASSWORD, USER, ServiceNowFixture

BASIC = {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}
USERS = "/api/now/table/sys_user"


def test_itil_users_page_by_link_header_with_total_count():
    fixture = ServiceNowFixture(agent_count=130)
    query = {
        "sysparm_query": "active=true^roles=itil^ORDERBYsys_created_on",
        "sysparm_limit": 50,
        "sysparm_offset": 0,
        "sysparm_fields": "sys_id,first_name,last_name,email",
    }
    with served(fixture, BASIC) as client:
        agents = walk_link_header(client, USERS, query, lambda body: body["result"])
        first = client.get(USERS, params=query)
    assert len(agents) == 130
    assert set(agents[0]) == {"sys_id", "first_name", "last_name", "email"}
    assert first.headers["X-Total-Count"] == "130"
    assert 'rel="last"' in first.headers["Link"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("phoneLIKE5135557611^ORmobile_phoneLIKE5135557611", 0),
        ("phoneLIKE555-7611^ORmobile_phoneLIKE555-7611", 1),
        ("phone=(513) 555-7611", 1),
    ],
    ids=["digits-miss-formatted", "like-formatted-tail", "exact"],
)
def test_phone_search_with_encoded_queries_matches_stored_text(query, found):
    with served(ServiceNowFixture(agent_count=1), BASIC) as client:
        response = client.get(USERS, params={"sysparm_query": query, "sysparm_limit": 5})
    assert len(response.json()["result"]) == found


def test_user_and_incidents_are_created_and_closing_needs_resolution_fields():
    fixture = ServiceNowFixture(agent_count=1)
    with served(fixture, BASIC) as client:
        user = client.post(
            USERS, json={"first_name": "Grace", "last_name": "Hopper", "phone": "+15135550000"}
        )
        ticket = client.post(
            "/api/now/table/incident",
            json={
                "short_description": "Missed call",
                "caller_id": user.json()["result"]["sys_id"],
                "contact_type": "phone",
            },
        )
        closed_bad = client.post(
            "/api/now/table/incident", json={"short_description": "Call log", "state": "7"}
        )
        closed_ok = client.post(
            "/api/now/table/incident",
            json={
                "short_description": "Call log",
                "state": "7",
                "close_code": "Solved (Permanently)",
                "close_notes": "Call handled",
            },
        )
    assert (user.status_code, ticket.status_code, closed_ok.status_code) == (201, 201, 201)
    assert ticket.json()["result"]["number"].startswith("INC")
    assert ticket.headers["Location"].endswith(ticket.json()["result"]["sys_id"])
    assert closed_bad.status_code == 403
    assert "Data Policy" in closed_bad.json()["error"]["detail"]


def test_errors_expiry_refresh_and_rate_limit():
    fixture = ServiceNowFixture(agent_count=1)
    with served(fixture) as client:
        wrong = client.get(USERS, headers={"Authorization": "Basic eDp5"})
        token = client.post(
            "/oauth_token.do",
            data={
                "grant_type": "password",
                "client_id": "c",
                "client_secret": "s",
                "username": USER,
                "password": PASSWORD,
            },
        ).json()
        json_token = client.post(
            "/oauth_token.do",
            json={"grant_type": "password", "client_id": "c", "client_secret": "s"},
        )
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        fixture.expire_tokens()
        expired = client.get(USERS, headers=bearer)
        refreshed = client.post(
            "/oauth_token.do",
            data={
                "grant_type": "refresh_token",
                "client_id": "c",
                "client_secret": "s",
                "refresh_token": token["refresh_token"],
            },
        ).json()
        fixture.faults.rate_limit(retry_after=3)
        limited = client.get(USERS, headers=BASIC)
        wrong_method = client.delete(USERS, headers=BASIC)
        unknown = client.get(USERS, params={"sysparm_foo": "1"}, headers=BASIC)
    assert wrong.status_code == 401
    assert wrong.json()["error"]["message"] == "User Not Authenticated"
    assert json_token.status_code == 400  # the token endpoint takes form encoding only
    assert expired.status_code == 401
    assert refreshed["refresh_token"] == token["refresh_token"]
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert wrong_method.status_code == 405
    assert unknown.status_code == 400


def test_incidents_can_be_found_by_correlation_id_for_a_duplicate_check():
    fixture = ServiceNowFixture(agent_count=1)
    with served(fixture, BASIC) as client:
        client.post(
            "/api/now/table/incident",
            json={"short_description": "Call", "correlation_id": "ringdesk-c-1"},
        )
        hit = client.get(
            "/api/now/table/incident",
            params={
                "sysparm_query": "correlation_id=ringdesk-c-1",
                "sysparm_fields": "sys_id",
                "sysparm_limit": 1,
            },
        )
        miss = client.get(
            "/api/now/table/incident", params={"sysparm_query": "correlation_id=ringdesk-c-2"}
        )
    assert hit.json()["result"] == [{"sys_id": fixture.incidents[0]["sys_id"]}]
    assert miss.json()["result"] == []
