"""The demo helpdesk over real sockets (I7): paging, contact search, OAuth2, idempotency,
duplicate counting, faults."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ringdesk.demo import create_demo_app
from tests.live import serve_app

TOKEN = "demo-token"


@pytest.fixture(scope="module")
def server():
    """One real server per module; each test gets fresh state (see `demo`)."""
    app = create_demo_app(access_token_ttl=60)
    with serve_app(app) as url:
        yield app, url


@pytest.fixture
def demo(server):
    """A demo helpdesk with fresh state and an authorised client."""
    app, url = server
    fresh = create_demo_app(access_token_ttl=60)
    app.state.store, app.state.issuer = fresh.state.store, fresh.state.issuer
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ) as http:
        yield http


def _emails(users):
    return [u["email"] for u in users]


ALL = [
    "alice@example.com",
    "bob@example.com",
    "carol@example.com",
    "dan@example.com",
    "eve@example.com",
]


def test_page_paging(demo):
    """?page=&per_page= walks all users, then an empty page."""
    seen, page = [], 1
    while True:
        body = demo.get("/api/users", params={"page": page, "per_page": 2}).json()
        if not body["users"]:
            break
        assert body["meta"] == {"page": page, "per_page": 2, "total": 5}
        seen += body["users"]
        page += 1
    assert _emails(seen) == ALL
    assert page == 4


def test_offset_paging(demo):
    """?offset=&limit= walks all users."""
    seen, offset = [], 0
    while body := demo.get("/api/users", params={"offset": offset, "limit": 2}).json()["users"]:
        seen += body
        offset += 2
    assert _emails(seen) == ALL


def test_cursor_paging_with_full_next_links(demo):
    """Without paging parameters the answer carries links.next, a full URL, until the end."""
    seen, url, pages = [], "/api/users", 0
    while url:
        body = demo.get(url).json()
        seen += body["users"]
        url = body["links"]["next"]
        pages += 1
        if url:
            assert url.startswith(str(demo.base_url).rstrip("/") + "/api/users?")
    assert _emails(seen) == ALL
    assert pages == 3


@pytest.mark.parametrize(
    ("phone", "ids"),
    [
        ("+4930123456", ["c1"]),
        ("4930123456", ["c1"]),
        ("030123456", []),
        ("0309876543", ["c2"]),
        ("+49309876543", []),
        ("+49 170 1234567", ["c2"]),
        ("", ["c1", "c2", "c3"]),
        ("+999", []),
    ],
    ids=[
        "e164",
        "digits",
        "national-miss",
        "national-hit",
        "e164-miss",
        "mobile",
        "empty-lists-all",
        "unknown",
    ],
)
def test_contact_search_compares_digits(demo, phone, ids):
    """Search matches phone or mobile digits-only, as stored (national vs E.164 differ)."""
    response = demo.get("/api/contacts/search", params={"phone": phone})
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["data"]] == ids


def test_contact_listing_pages(demo):
    """An empty phone lists contacts, paged by page/per_page or offset/limit (for sync)."""
    search = "/api/contacts/search"
    page2 = demo.get(search, params={"phone": "", "page": 2, "per_page": 2}).json()["data"]
    assert [c["id"] for c in page2] == ["c3"]
    window = demo.get(search, params={"offset": 1, "limit": 1}).json()["data"]
    assert [c["id"] for c in window] == ["c2"]


def test_awkward_names_survive(demo):
    """The seeded contact with quotes and non-ASCII comes back intact, and its page escapes it."""
    (zoe,) = demo.get("/api/contacts/search", params={"phone": "0309876543"}).json()["data"]
    assert zoe["first_name"] == 'Zoë "Zed"'
    assert zoe["last_name"] == "Ölund"
    html = demo.get("/contacts/c2").text
    assert "Zoë &quot;Zed&quot; Ölund" in html
    assert "Q&amp;A &lt;Ltd&gt;" in html


def test_api_requires_a_valid_bearer(demo):
    """Missing or wrong tokens get 401 with WWW-Authenticate."""
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer nope"}):
        response = demo.get("/api/me", headers=headers)
        assert response.status_code == 401
        assert "Bearer" in response.headers["www-authenticate"]
    assert demo.get("/api/me").json()["data"]["account"] == "Demo Co"


def test_create_contact_then_find_it(demo):
    """A created contact is searchable; incomplete ones are refused."""
    created = demo.post(
        "/api/contacts", json={"first_name": "New", "last_name": "Caller", "phone": "+4940555"}
    )
    assert created.status_code == 201
    found = demo.get("/api/contacts/search", params={"phone": "+4940555"}).json()["data"]
    assert [c["id"] for c in found] == [created.json()["data"]["id"]]
    assert demo.post("/api/contacts", json={"first_name": "X"}).status_code == 422
    assert demo.post("/api/contacts", content=b"[1]").status_code == 400


def test_idempotency_key_replays_without_duplicating(demo):
    """The same Idempotency-Key returns the same response and creates nothing new."""
    headers = {"Idempotency-Key": "call-1-u1"}
    first = demo.post("/api/calls", json={"call_id": "c-1", "subject": "A"}, headers=headers)
    again = demo.post("/api/calls", json={"call_id": "c-1", "subject": "A"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    state = demo.get("/_demo/state").json()
    assert (state["calls"], state["duplicates"]) == (1, 0)


def test_same_call_id_counts_as_duplicate(demo):
    """Two calls (or tickets) with the same call_id without a key count as a duplicate."""
    for _ in range(2):
        assert demo.post("/api/calls", json={"call_id": "c-2"}).status_code == 201
    demo.post("/api/tickets", json={"call_id": "c-2", "subject": "T"})
    demo.post("/api/tickets", json={"call_id": "c-3", "subject": "T"})
    state = demo.get("/_demo/state").json()
    assert (state["calls"], state["tickets"], state["duplicates"]) == (2, 2, 1)
    assert state["requests"] == 4
    assert [c["call_id"] for c in state["records"]["calls"]] == ["c-2", "c-2"]


def test_faults_then_recovery(demo):
    """Injected faults fail the next N API requests with Retry-After, then clear."""
    response = demo.post(
        "/_demo/faults", json={"status": 503, "count": 2, "retry_after": 1, "latency_ms": 5}
    )
    assert response.json()["count"] == 2
    for _ in range(2):
        failed = demo.post("/api/calls", json={"call_id": "c-4"})
        assert failed.status_code == 503
        assert failed.headers["retry-after"] == "1"
    assert demo.post("/api/calls", json={"call_id": "c-4"}).status_code == 201
    demo.post("/_demo/faults", json={})
    assert demo.get("/_demo/state").json()["calls"] == 1


def test_home_page_lists_what_it_received(demo):
    """The HTML page shows received calls, tickets and contacts."""
    demo.post("/api/tickets", json={"call_id": "c-5", "subject": "Missed <call> & more"})
    html = demo.get("/").text
    assert "Missed &lt;call&gt; &amp; more" in html
    assert "Ada" in html


def _authorize(http, redirect_uri="http://127.0.0.1:9/cb"):
    response = http.get(
        "/oauth/authorize",
        params={
            "client_id": "ringdesk-demo",
            "redirect_uri": redirect_uri,
            "state": "xyz",
            "response_type": "code",
            "auto": "1",
        },
    )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def test_oauth_approve_page_has_a_real_form(demo):
    """Without auto=1 the authorize endpoint shows an Approve form; posting it redirects."""
    params = {
        "client_id": "ringdesk-demo",
        "redirect_uri": "http://127.0.0.1:9/cb",
        "state": "s1",
        "response_type": "code",
    }
    page = demo.get("/oauth/authorize", params=params)
    assert page.status_code == 200
    assert '<form method="post" action="/oauth/authorize">' in page.text
    assert ">Approve</button>" in page.text
    approved = demo.post("/oauth/authorize", data={**params, "decision": "approve"})
    assert approved.status_code == 302
    assert "code=" in approved.headers["location"]
    denied = demo.post("/oauth/authorize", data={**params, "decision": "deny"})
    assert "error=access_denied" in denied.headers["location"]


def test_oauth_code_then_refresh_rotation(demo):
    """Code → tokens (form); refresh (JSON) rotates: the old refresh token stops working."""
    code = _authorize(demo)
    tokens = demo.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "ringdesk-demo",
            "client_secret": "demo-secret",
            "redirect_uri": "http://127.0.0.1:9/cb",
        },
    ).json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 60
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert demo.get("/api/me", headers=bearer).status_code == 200
    # A code works once.
    reuse = demo.post("/oauth/token", data={"grant_type": "authorization_code", "code": code})
    assert reuse.json()["error"] == "invalid_grant"
    fresh = demo.post(
        "/oauth/token",
        json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    ).json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    stale = demo.post(
        "/oauth/token",
        json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert stale.status_code == 400
    assert stale.json()["error"] == "invalid_grant"
    assert demo.get("/_demo/state").json()["token_refreshes"] == 1


def test_expired_access_token_is_refused(demo):
    """After /_demo/expire-tokens an access token gets 401; the static token still works."""
    code = _authorize(demo)
    tokens = demo.post(
        "/oauth/token", data={"grant_type": "authorization_code", "code": code}
    ).json()
    demo.post("/_demo/expire-tokens")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert demo.get("/api/me", headers=bearer).status_code == 401
    assert demo.get("/api/me").status_code == 200


@pytest.mark.parametrize(
    ("data", "auth", "error"),
    [
        ({"grant_type": "password"}, None, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "client_secret": "wrong"}, None, "invalid_client"),
        ({"grant_type": "refresh_token"}, ("ringdesk-demo", "wrong"), "invalid_client"),
        ({"grant_type": "authorization_code", "code": "made-up"}, None, "invalid_grant"),
    ],
    ids=["grant", "secret", "basic-secret", "code"],
)
def test_token_endpoint_errors(demo, data, auth, error):
    """Bad grants and clients get RFC 6749 error codes."""
    response = demo.post("/oauth/token", data=data, auth=auth)
    assert response.json()["error"] == error
