"""The Help Scout fixture accepts the documented requests and answers like Help Scout."""

from __future__ import annotations

import pytest

from tests.vendors.checks import served, walk_body_link
from tests.vendors.help_scout import CLIENT_ID, CLIENT_SECRET, HelpScoutFixture


@pytest.fixture
def help_scout():
    fixture = HelpScoutFixture(user_count=120)
    access, _refresh = fixture.tokens.issue(access="hs-at", refresh="hs-rt")
    return fixture, {"Authorization": f"Bearer {access}"}


def test_users_page_by_hal_next_link_in_fifties(help_scout):
    fixture, bearer = help_scout
    with served(fixture, bearer) as client:
        users = walk_body_link(
            client, "/v2/users", {}, "_links.next.href", lambda body: body["_embedded"]["users"]
        )
    assert len(users) == 120
    assert len(fixture.requests) == 3


def test_phone_is_not_a_query_field_so_callers_are_found_by_listing(help_scout):
    fixture, bearer = help_scout
    with served(fixture, bearer) as client:
        by_phone = client.get("/v2/customers", params={"query": '(phone:"5135557611")'}).json()
        by_email = client.get("/v2/customers", params={"query": '(email:"ada@customer")'}).json()
        listed = walk_body_link(
            client,
            "/v2/customers",
            {},
            "_links.next.href",
            lambda body: body["_embedded"]["customers"],
        )
    assert by_phone["_embedded"]["customers"] == []
    assert [c["id"] for c in by_email["_embedded"]["customers"]] == [700001]
    phones = {p["value"]: c["id"] for c in listed for p in c["_embedded"]["phones"]}
    assert phones["513-555-7611"] == 700001


def test_creates_answer_201_with_the_id_only_in_headers(help_scout):
    fixture, bearer = help_scout
    with served(fixture, bearer) as client:
        customer = client.post(
            "/v2/customers",
            json={
                "firstName": "Grace",
                "lastName": "Hopper",
                "phones": [{"type": "work", "value": "+15135550000"}],
            },
        )
        conversation = client.post(
            "/v2/conversations",
            json={
                "subject": "Call",
                "customer": {"id": int(customer.headers["Resource-ID"])},
                "mailboxId": 1,
                "type": "phone",
                "status": "closed",
                "threads": [{"type": "note", "text": "log"}],
            },
        )
        missing = client.post("/v2/conversations", json={"subject": "Call", "type": "phone"})
    assert customer.status_code == 201
    assert customer.content == b""
    assert customer.headers["Location"].endswith(customer.headers["Resource-ID"])
    assert conversation.status_code == 201
    assert conversation.headers["Resource-ID"]
    assert missing.status_code == 400
    assert {e["path"] for e in missing.json()["_embedded"]["errors"]} >= {"mailboxId", "threads"}


def test_oauth_client_credentials_expiry_and_rate_limit(help_scout):
    fixture, _ = help_scout
    with served(fixture) as client:
        token = client.post(
            "/v2/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        ).json()
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        basic = client.get("/v2/users", headers={"Authorization": "Basic aHMtYXBwLWlkOlg="})
        fixture.expire_tokens()
        expired = client.get("/v2/users", headers=bearer)
        fresh = client.post(
            "/v2/oauth2/token",
            json={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        ).json()
        fixture.faults.rate_limit(retry_after=9)
        limited = client.get(
            "/v2/users", headers={"Authorization": f"Bearer {fresh['access_token']}"}
        )
        wrong_method = client.delete(
            "/v2/users", headers={"Authorization": f"Bearer {fresh['access_token']}"}
        )
    assert token["expires_in"] == 172800
    assert "refresh_token" not in token
    assert basic.status_code == 401
    assert expired.status_code == 401
    assert expired.json()["error"] == "invalid_token"
    assert limited.status_code == 429
    assert limited.headers["X-RateLimit-Retry-After"] == "9"
    assert wrong_method.status_code == 405
