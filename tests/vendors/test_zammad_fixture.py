"""The Zammad fixture accepts the documented requests and answers like Zammad otherwise."""

from __future__ import annotations

import pytest

from tests.vendors.checks import served, walk_pages
from tests.vendors.zammad import AGENT_ROLE, API_TOKEN, CTI_TOKEN, ZammadFixture

TOKEN = {"Authorization": f"Token token={API_TOKEN}"}


def test_users_are_a_plain_array_paged_by_number_and_capped_at_500():
    fixture = ZammadFixture(agent_count=45)
    with served(fixture, TOKEN) as client:
        users = walk_pages(
            client, "/api/v1/users", {"per_page": 20, "expand": "true"}, lambda body: body
        )
        capped = client.get("/api/v1/users", params={"per_page": 10000})
    assert len(users) == len(fixture.users)
    assert sum(AGENT_ROLE in u["role_ids"] for u in users) == 45
    assert len(capped.json()) == len(fixture.users)  # 54 users < 500: all of them, no error


@pytest.mark.parametrize(
    ("query", "found"),
    [("phone:15135557611", 1), ("phone:*5135557611", 1), ("mobile:15135557611", 0)],
    ids=["phone-digits", "phone-suffix", "mobile-empty"],
)
def test_user_search_by_phone(query, found):
    with served(ZammadFixture(agent_count=1), TOKEN) as client:
        response = client.get("/api/v1/users/search", params={"query": query, "limit": 5})
    assert response.status_code == 200
    assert len(response.json()) == found


def test_token_header_has_no_space_after_the_equals_sign():
    with served(ZammadFixture(agent_count=1)) as client:
        good = client.get("/api/v1/users", headers=TOKEN)
        spaced = client.get("/api/v1/users", headers={"Authorization": f"Token token= {API_TOKEN}"})
        bearer = client.get("/api/v1/users", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert good.status_code == 200
    assert spaced.status_code == 401
    assert bearer.status_code == 401


def test_user_ticket_article_and_cti_events_are_accepted():
    fixture = ZammadFixture(agent_count=1)
    with served(fixture, TOKEN) as client:
        user = client.post(
            "/api/v1/users",
            json={
                "firstname": "Grace",
                "lastname": "Hopper",
                "phone": "+15135550000",
                "roles": ["Customer"],
            },
        )
        ticket = client.post(
            "/api/v1/tickets",
            json={
                "title": "Call",
                "group": "Users",
                "customer_id": user.json()["id"],
                "article": {"subject": "Call", "body": "log", "type": "phone", "internal": True},
            },
        )
        article = client.post(
            "/api/v1/ticket_articles",
            json={
                "ticket_id": ticket.json()["id"],
                "body": "more",
                "type": "phone",
                "internal": True,
            },
        )
        nobody = client.post("/api/v1/users", json={"note": "no identifier"})
        new_call = client.post(
            f"/api/v1/cti/{CTI_TOKEN}",
            data={
                "event": "newCall",
                "from": "4930123456",
                "to": "1001",
                "direction": "in",
                "callId": "c-1",
            },
        )
        hangup = client.post(
            f"/api/v1/cti/{CTI_TOKEN}",
            json={"event": "hangup", "callId": "c-1", "cause": "normalClearing"},
        )
        bad_cti = client.post("/api/v1/cti/wrong", data={"event": "newCall"})
    assert (user.status_code, ticket.status_code, article.status_code) == (201, 201, 201)
    assert fixture.articles[0]["type"] == "phone"
    assert nobody.status_code == 422
    assert "identifier" in nobody.json()["error"]
    assert (new_call.status_code, hangup.status_code, bad_cti.status_code) == (200, 200, 401)
    assert [e["event"] for e in fixture.cti_events] == ["newCall", "hangup"]


def test_expired_doorkeeper_token_rate_limit_and_unknown_route():
    fixture = ZammadFixture(agent_count=1)
    access, _ = fixture.tokens.issue()
    with served(fixture, {"Authorization": f"Bearer {access}"}) as client:
        assert client.get("/api/v1/users").status_code == 200
        fixture.expire_tokens()
        expired = client.get("/api/v1/users")
        fixture.faults.rate_limit()
        limited = client.get("/api/v1/users")
        wrong_method = client.delete("/api/v1/users/search")
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
    assert limited.status_code == 429
    assert limited.content == b""
    assert wrong_method.status_code == 404
    assert "No route matches" in wrong_method.json()["error"]


def test_search_terms_joined_by_or_match_either_field():
    with served(ZammadFixture(agent_count=1), TOKEN) as client:
        response = client.get(
            "/api/v1/users/search",
            params={"query": "mobile:*5135557611 OR phone:*5135557611", "limit": 5},
        )
    assert [u["id"] for u in response.json()] == [2000]
