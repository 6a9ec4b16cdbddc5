"""The Jira Service Management fixture accepts the documented requests and answers like
Jira Cloud otherwise."""

from __future__ import annotations

import base64

from tests.vendors.checks import served, walk_body_link
from tests.vendors.jira_service_management import (
    AGENT_GROUP,
    API_TOKEN,
    CLOUD_ID,
    EMAIL,
    JiraServiceManagementFixture,
)

BASIC = {"Authorization": "Basic " + base64.b64encode(f"{EMAIL}:{API_TOKEN}".encode()).decode()}
EXPERIMENTAL = {"X-ExperimentalApi": "opt-in"}


def test_group_members_follow_next_page_and_need_start_and_max():
    fixture = JiraServiceManagementFixture(agent_count=120)
    with served(fixture, BASIC) as client:
        agents = walk_body_link(
            client,
            "/rest/api/3/group/member",
            {"groupname": AGENT_GROUP, "startAt": 0, "maxResults": 50},
            "nextPage",
            lambda body: body["values"],
        )
        without_paging = client.get("/rest/api/3/group/member", params={"groupname": AGENT_GROUP})
    assert len(agents) == 120
    assert agents[0]["accountType"] == "atlassian"
    assert without_paging.status_code == 500  # JRACLOUD-69614


def test_customer_search_is_by_name_or_email_only_and_needs_the_experimental_header():
    with served(JiraServiceManagementFixture(agent_count=1), BASIC) as client:
        by_name = client.get(
            "/rest/servicedeskapi/servicedesk/1/customer",
            params={"query": "ada@customer.example"},
            headers=EXPERIMENTAL,
        )
        by_phone = client.get(
            "/rest/servicedeskapi/servicedesk/1/customer",
            params={"query": "5135557611"},
            headers=EXPERIMENTAL,
        )
        no_opt_in = client.get(
            "/rest/servicedeskapi/servicedesk/1/customer", params={"query": "ada"}
        )
    assert by_name.json()["size"] == 1
    assert "phone" not in str(by_name.json()["values"][0]).lower()
    assert by_phone.json()["size"] == 0
    assert no_opt_in.status_code == 400
    assert "X-ExperimentalApi" in no_opt_in.json()["errorMessage"]


def test_customer_request_and_internal_comment_are_accepted():
    fixture = JiraServiceManagementFixture(agent_count=1)
    with served(fixture, BASIC) as client:
        customer = client.post(
            "/rest/servicedeskapi/customer",
            json={"email": "grace@customer.example", "displayName": "Grace Hopper"},
        )
        request = client.post(
            "/rest/servicedeskapi/request",
            json={
                "serviceDeskId": "1",
                "requestTypeId": "10",
                "requestFieldValues": {"summary": "Missed call", "description": "d"},
                "raiseOnBehalfOf": customer.json()["accountId"],
            },
        )
        comment = client.post(
            f"/rest/servicedeskapi/request/{request.json()['issueKey']}/comment",
            json={"body": "Call log", "public": False},
        )
        missing = client.post(
            "/rest/servicedeskapi/request",
            json={"serviceDeskId": "1", "requestTypeId": "10", "requestFieldValues": {}},
        )
    assert (customer.status_code, request.status_code, comment.status_code) == (201, 201, 201)
    assert request.json()["_links"]["agent"].endswith("/browse/SD-100")
    assert fixture.comments[0]["public"] is False
    assert missing.status_code == 400
    assert "requestFieldValues.summary" in missing.json()["errorMessage"]


def test_oauth_goes_through_the_gateway_rotates_and_expires():
    fixture = JiraServiceManagementFixture(agent_count=1)
    gateway = f"/ex/jira/{CLOUD_ID}/rest/servicedeskapi/servicedesk/1/customer"
    with served(fixture) as client:
        tokens = client.post(
            "/oauth/token",
            json={
                "grant_type": "authorization_code",
                "code": "c",
                "client_id": "i",
                "client_secret": "s",
            },
        ).json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"} | EXPERIMENTAL
        resources = client.get("/oauth/token/accessible-resources", headers=bearer).json()
        ok = client.get(gateway, headers=bearer)
        site = client.get("/rest/servicedeskapi/servicedesk/1/customer", headers=bearer)
        fixture.expire_tokens()
        expired = client.get(gateway, headers=bearer)
        rotated = client.post(
            "/oauth/token",
            json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        reused = client.post(
            "/oauth/token",
            json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
    assert resources[0]["id"] == CLOUD_ID
    assert ok.status_code == 200
    assert site.status_code == 401
    assert expired.status_code == 401
    assert expired.json() == {"code": 401, "message": "Unauthorized"}
    assert fixture.openapi_errors == []  # the gateway prefix is a server of the description
    assert rotated.json()["refresh_token"] != tokens["refresh_token"]
    assert reused.status_code == 403


def test_wrong_auth_method_and_rate_limit():
    fixture = JiraServiceManagementFixture(agent_count=1)
    with served(fixture, BASIC) as client:
        wrong_auth = client.get("/rest/api/3/group/member", headers={"Authorization": "Basic eDp5"})
        wrong_method = client.delete("/rest/servicedeskapi/customer")
        fixture.faults.rate_limit(retry_after=5)
        limited = client.get(
            "/rest/api/3/group/member",
            params={"groupname": AGENT_GROUP, "startAt": 0, "maxResults": 5},
        )
    assert wrong_auth.status_code == 401
    assert wrong_auth.text == "Client must be authenticated to access this resource."
    assert wrong_method.status_code == 405
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "5"
    assert "X-RateLimit-Reset" in limited.headers


def test_callers_are_found_by_jql_on_a_phone_text_field_and_the_agent_group_by_picker():
    fixture = JiraServiceManagementFixture(agent_count=3)
    with served(fixture, BASIC) as client:
        hit = client.post(
            "/rest/api/3/search/jql",
            json={
                "jql": '"Caller phone" ~ "5135557611" ORDER BY created DESC',
                "fields": ["reporter", "customfield_10050"],
                "maxResults": 5,
            },
        )
        miss = client.post("/rest/api/3/search/jql", json={"jql": '"Caller phone" ~ "5130000000"'})
        bad = client.post("/rest/api/3/search/jql", json={"jql": "phone = 1"})
        picker = client.get(
            "/rest/api/3/groups/picker",
            params={"query": "jira-servicemanagement-users", "maxResults": 1},
        ).json()
        members = client.get(
            "/rest/api/3/group/member",
            params={"groupId": picker["groups"][0]["groupId"], "startAt": 0, "maxResults": 50},
        )
    issue = hit.json()["issues"][0]
    assert issue["key"] == "SD-1"
    assert issue["fields"]["reporter"]["accountId"] == "qm:1a2b3c:caller"
    assert set(issue["fields"]) == {"reporter", "customfield_10050"}
    assert miss.json()["issues"] == []
    assert bad.status_code == 400
    assert len(members.json()["values"]) == 3


def test_documented_traffic_validates_against_the_openapi_description():
    fixture = JiraServiceManagementFixture(agent_count=60)
    with served(fixture, BASIC) as client:
        walk_body_link(
            client,
            "/rest/api/3/group/member",
            {"groupname": AGENT_GROUP, "startAt": 0, "maxResults": 50},
            "nextPage",
            lambda body: body["values"],
        )
        client.get(
            "/rest/servicedeskapi/servicedesk/1/customer",
            params={"query": "ada"},
            headers=EXPERIMENTAL,
        )
        request = client.post(
            "/rest/servicedeskapi/request",
            json={
                "serviceDeskId": "1",
                "requestTypeId": "10",
                "requestFieldValues": {"summary": "s"},
            },
        )
        client.post(
            f"/rest/servicedeskapi/request/{request.json()['issueKey']}/comment",
            json={"body": "b", "public": False},
        )
        client.post(
            "/rest/api/3/search/jql",
            json={"jql": '"Caller phone" ~ "7611"', "fields": ["reporter"]},
        )
    assert fixture.openapi_errors == []
