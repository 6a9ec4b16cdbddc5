"""PKCE (RFC 7636, S256) in the OAuth2 flow (A5; issue 14 #9): a template that says
`<OAuth2 pkce="true">` sends a code challenge on the authorize URL and the verifier with the
code exchange; a local provider that insists on PKCE checks both over real HTTP."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from tests.integrations.support import SQLITE_ONLY, FakeHelpdesk, insert_template, oauth_xml
from tests.live import serve_app

from ringdesk.auth.oauth2 import authorize_url, code_exchange_request
from ringdesk.templates import dump_xml, load_xml
from ringdesk.templates.model import OAuth2


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class PkceProvider:
    """An authorization server that refuses a code exchange without the right verifier."""

    def __init__(self, fake: FakeHelpdesk) -> None:
        self.challenges: dict[str, str] = {}
        self.exchanges: list[dict[str, str]] = []
        fake.on("/oauth/authorize", self.authorize)
        fake.on("/oauth/token", self.token)

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = f"code-{len(self.challenges)}"
        self.challenges[code] = q["code_challenge"]
        return RedirectResponse(f"{q['redirect_uri']}?code={code}&state={q['state']}", 302)

    async def token(self, request: Request) -> Response:
        params = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        self.exchanges.append(params)
        challenge = self.challenges.pop(params.get("code", ""), None)
        verifier = params.get("code_verifier", "")
        if challenge is None or not verifier or s256(verifier) != challenge:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse({"access_token": "at-pkce", "expires_in": 3600})


@pytest.fixture
def fake():
    return FakeHelpdesk()


@pytest.fixture
def base(fake):
    with serve_app(fake.app()) as url:
        yield url


def pkce_xml(base: str) -> str:
    return oauth_xml(base).replace("<OAuth2>", '<OAuth2 pkce="true">')


@SQLITE_ONLY
def test_pkce_dance_against_a_provider_that_requires_it(admin, client, database, fake, base):
    """Issue 14 #9: challenge on authorize, verifier on exchange, connected."""
    provider = PkceProvider(fake)
    insert_template(database, "pk", pkce_xml(base))
    created = admin.post(
        "/api/v1/integrations",
        json={"template_id": "pk", "name": "P", "fields": {"client_id": "cid"}},
    ).json()
    start = admin.post(f"/api/v1/integrations/{created['id']}/connect").json()
    query = parse_qs(urlsplit(start["url"]).query)
    assert query["code_challenge_method"] == ["S256"]
    location = httpx.get(start["url"], follow_redirects=False, timeout=10).headers["location"]
    done = client.get(
        "/api/v1/oauth/callback?" + urlsplit(location).query,
        headers={"Accept": "application/json"},
    )
    assert done.status_code == 200, done.text
    (exchange,) = provider.exchanges
    assert s256(exchange["code_verifier"]) == query["code_challenge"][0]
    assert 43 <= len(exchange["code_verifier"]) <= 128
    view = admin.get(f"/api/v1/integrations/{created['id']}").json()
    assert view["status"] == "connected"
    assert (
        exchange["code_verifier"]
        not in admin.get(f"/api/v1/integrations/{created['id']}/requests").text
    )


@SQLITE_ONLY
def test_without_pkce_the_provider_refuses(admin, client, database, fake, base):
    """The same provider refuses a template without pkce="true": the check is real."""
    PkceProvider(fake)
    insert_template(database, "nopk", oauth_xml(base))
    created = admin.post(
        "/api/v1/integrations",
        json={"template_id": "nopk", "name": "P", "fields": {"client_id": "cid"}},
    ).json()
    start = admin.post(f"/api/v1/integrations/{created['id']}/connect").json()
    assert "code_challenge" not in parse_qs(urlsplit(start["url"]).query)
    assert httpx.get(start["url"], follow_redirects=False, timeout=10).status_code == 400


def test_pure_parts():
    oauth = OAuth2(authorize_url="https://x.example/auth?code_challenge=evil", pkce=True)
    url = authorize_url(
        oauth, {"client_id": "c"}, state="S", redirect_uri="https://rd/cb", code_verifier="v" * 43
    )
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge"] == [s256("v" * 43)]  # the template cannot pin its own
    assert query["code_challenge_method"] == ["S256"]
    request = code_exchange_request(
        oauth, {}, code="c", redirect_uri="https://rd/cb", code_verifier="v" * 43
    )
    assert parse_qs(request.body)["code_verifier"] == ["v" * 43]
    plain = code_exchange_request(oauth, {}, code="c", redirect_uri="https://rd/cb")
    assert "code_verifier" not in parse_qs(plain.body)


def test_pkce_attribute_round_trips():
    base = "https://desk.example"
    template = load_xml(pkce_xml(base))
    assert template.authentication.oauth2 is not None
    assert template.authentication.oauth2.pkce is True
    assert 'pkce="true"' in dump_xml(template)
    plain = load_xml(oauth_xml(base))
    assert plain.authentication.oauth2 is not None
    assert plain.authentication.oauth2.pkce is False
    assert "pkce" not in dump_xml(plain)
