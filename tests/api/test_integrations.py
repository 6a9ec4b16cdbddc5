"""REST integrations (I1, A1–A9): create/read/update/delete, connect for every auth method
including the whole OAuth2 dance against a real local provider, and secrets never shown."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from tests.integrations.support import (
    SQLITE_ONLY,
    FakeHelpdesk,
    insert_template,
    json_ok,
    oauth_xml,
    template_xml,
)
from tests.live import serve_app

CANARY = "canary-Secret-9f3a"


@pytest.fixture
def fake():
    return FakeHelpdesk()


@pytest.fixture
def base(fake):
    with serve_app(fake.app()) as url:
        yield url


def _select_template() -> str:
    return template_xml(
        method="basic",
        fields='<Field type="select" name="region" title="Region" options="eu,us"/>'
        '<Field type="text" name="username" title="User"/>'
        '<Field type="password" name="password" title="Password"/>',
        auth="<Basic><Format>{{.username}}:{{.password}}</Format></Basic>",
        extra="""<ContactSearch><ContactType name="Contacts">
          <Request method="GET"><Url>https://x.example/c?p={{.Phone}}</Url></Request>
          <Popup mode="url">https://x.example/{{.ContactId}}</Popup>
          <Mapping><Field name="ContactId" path="id" required="true"/>
          <Field name="FirstName" path="n" required="true"/>
          <Field name="BusinessNumber" path="p"/></Mapping></ContactType></ContactSearch>""",
    )


@SQLITE_ONLY
def test_create_read_patch_delete(admin, database):
    """I1 + A9: fields validated, secrets stored but shown only as set/unset."""
    insert_template(database, "desk", _select_template())
    created = admin.post(
        "/api/v1/integrations",
        json={
            "template_id": "desk",
            "name": "Support",
            "fields": {"region": "eu", "username": "ada", "password": CANARY},
            "options": {"timezone": "Europe/Berlin", "sync_contact_types": ["Contacts"]},
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "disconnected"
    assert body["fields"] == {"region": "eu", "username": "ada"}
    assert body["secrets"]["password"] == "set"
    assert body["secrets"]["AccessToken"] == "unset"
    assert body["options"]["timezone"] == "Europe/Berlin"
    assert body["options"]["ticket"]["when"] == "always"  # template default merged
    integration_id = body["id"]

    patched = admin.patch(
        f"/api/v1/integrations/{integration_id}",
        json={"fields": {"password": None}, "options": {"ticket": {"when": "missed"}}},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["secrets"]["password"] == "unset"
    assert patched.json()["options"]["ticket"]["when"] == "missed"
    assert patched.json()["options"]["timezone"] == "Europe/Berlin"

    listed = admin.get("/api/v1/integrations").json()
    assert [i["id"] for i in listed] == [integration_id]
    assert CANARY not in created.text + patched.text + json.dumps(listed)
    assert admin.delete(f"/api/v1/integrations/{integration_id}").status_code == 204
    assert admin.get(f"/api/v1/integrations/{integration_id}").status_code == 404


def _bearer_template(token: str) -> str:
    return template_xml(
        method="bearer",
        fields='<Field type="text" name="base_url" title="URL"/>'
        '<Field type="password" name="api_token" title="API token"/>',
        auth=f'<Bearer scheme="token"><Token>{token}</Token></Bearer>',
    )


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("token", "fields", "state"),
    [
        ("{{.api_token}}", {"api_token": CANARY}, "set"),
        ("{{.api_token}}", {"api_token": ""}, "unset"),
        ("{{.api_token}}", {}, "unset"),
        ("static-token", {}, "set"),
    ],
    ids=["from-field", "blank-field", "no-field", "literal"],
)
def test_bearer_access_token_state_follows_the_rendered_token(
    admin, database, token, fields, state
):
    # covers A9 (issue 16: a connected bearer integration showed "AccessToken": "unset")
    """A bearer token is rendered from a connect field into AccessToken, never stored as
    one: the view says "set" exactly when the rendered token is not empty."""
    insert_template(database, "rt", _bearer_template(token))
    created = admin.post(
        "/api/v1/integrations",
        json={"template_id": "rt", "name": "RT", "fields": {"base_url": "http://rt", **fields}},
    )
    assert created.status_code == 201, created.text
    view = admin.get(f"/api/v1/integrations/{created.json()['id']}").json()
    assert view["secrets"]["AccessToken"] == state
    assert view["secrets"]["RefreshToken"] == "unset"
    assert CANARY not in json.dumps(view)


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"fields": {"nope": "x"}}, "fields.nope"),
        ({"fields": {"region": "mars"}}, "fields.region"),
        ({"options": {"timezone": "Mars/Olympus"}}, "options.timezone"),
        ({"options": {"default_region": "XX"}}, "options.default_region"),
        ({"options": {"sync_contact_types": ["Deals"]}}, "options.sync_contact_types"),
        ({"options": {"ticket": {"when": "sometimes"}}}, "options.ticket.when"),
        ({"options": {"call_log": {"subject": "{{.Broken"}}}, "options.call_log.subject"),
        ({"options": {"colour": "red"}}, "options.colour"),
        ({"template_id": "missing"}, "template_id"),
    ],
    ids=[
        "unknown-field",
        "bad-select",
        "timezone",
        "region",
        "contact-type",
        "ticket-when",
        "bad-template-text",
        "unknown-option",
        "unknown-template",
    ],
)
def test_invalid_input_is_refused(admin, database, payload, field):
    insert_template(database, "desk", _select_template())
    body = {"template_id": "desk", "name": "Support", **payload}
    response = admin.post("/api/v1/integrations", json=body)
    assert response.status_code == 422
    assert field in [p["field"] for p in response.json()["problems"]]


def test_admin_token_required(client):
    assert client.get("/api/v1/integrations").status_code == 401


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("method", "auth", "expected"),
    [
        ("none", "", None),
        (
            "basic",
            "<Basic><Format>{{.username}}:{{.password}}</Format></Basic>",
            "Basic YWRhOmNhbmFyeS1TZWNyZXQtOWYzYQ==",
        ),
        ("bearer", "<Bearer><Token>{{.password}}</Token></Bearer>", f"Bearer {CANARY}"),
    ],
)
def test_connect_fires_connected_follow_ups(admin, database, fake, base, method, auth, expected):
    """A3/A4/A7 + F1–F3: connect at once; the `connected` follow-up carries the auth header
    (not custom headers), its body/headers are rendered, captured variables persist, and a
    path that finds nothing is noted in the request log."""
    fake.on("/login", json_ok({"data": {"session_token": "sess-42", "user": 7}}))
    follow = f"""<Request trigger="connected" method="POST">
      <Url>{base}/login?u={{{{.username}}}}</Url>
      <Headers>{{"X-Who":"{{{{.username}}}}"}}</Headers>
      <Body>{{"user":"{{{{.username}}}}"}}</Body>
      <ResponsePaths>$.data.session_token, $.data.user, $.nothing</ResponsePaths>
      <TargetVariables>session_token, user_id, missing</TargetVariables>
    </Request>"""
    xml = template_xml(
        method=method,
        fields='<Field type="text" name="username" title="U"/>'
        '<Field type="password" name="password" title="P"/>',
        auth=auth,
        headers='<Header name="X-Custom">c</Header>',
        follow_ups=follow,
    )
    insert_template(database, "desk", xml)
    created = admin.post(
        "/api/v1/integrations",
        json={
            "template_id": "desk",
            "name": "S",
            "fields": {"username": 'a"da', "password": CANARY},
        },
    ).json()
    if method == "basic":  # keep the expected Base64 simple
        admin.patch(f"/api/v1/integrations/{created['id']}", json={"fields": {"username": "ada"}})
    connected = admin.post(f"/api/v1/integrations/{created['id']}/connect")
    assert connected.json() == {"status": "connected"}
    seen = fake.paths("/login")[0]
    assert seen.headers.get("authorization") == expected
    assert "x-custom" not in seen.headers  # H2
    assert seen.headers["x-who"] == seen.query["u"]
    assert json.loads(seen.body) == {"user": seen.query["u"]}  # JSON-escaped quote survives
    view = admin.get(f"/api/v1/integrations/{created['id']}").json()
    assert view["status"] == "connected"
    assert view["variables"] == {"user_id": "7"}
    assert view["secrets"]["session_token"] == "set"  # secret-looking → encrypted
    log = admin.get(f"/api/v1/integrations/{created['id']}/requests").json()
    assert any("$.nothing found nothing" in (row["error"] or "") for row in log)
    assert CANARY not in json.dumps(log) + json.dumps(view)


class Provider:
    """A real OAuth2 authorization server: authorize redirect, code exchange, API."""

    def __init__(self, fake: FakeHelpdesk, *, error_body: bool = False):
        self.error_body = error_body
        self.exchanges: list[dict[str, str]] = []
        fake.on("/oauth/authorize", self.authorize)
        fake.on("/oauth/token", self.token)

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        target = f"{q['redirect_uri']}?code=the-code-77&state={q['state']}"
        return RedirectResponse(target, status_code=302)

    async def token(self, request: Request) -> Response:
        raw = (await request.body()).decode()
        if "json" in request.headers.get("content-type", ""):
            params = json.loads(raw)
        else:
            params = {k: v[0] for k, v in parse_qs(raw).items()}
        self.exchanges.append({**params, "content_type": request.headers["content-type"]})
        if self.error_body:
            return JSONResponse({"error": "invalid_client", "error_description": "bad secret"})
        return JSONResponse(
            {"access_token": "at-Secret-1", "refresh_token": "rt-Secret-1", "expires_in": 3600}
        )


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "application/json"], ids=["form", "json"]
)
def test_oauth2_dance(admin, client, database, fake, base, settings, content_type, caplog):
    """A5: connect → authorize redirect (followed here) → callback → code exchanged in the
    chosen content type → tokens stored encrypted → connected; state single-use; no secret
    in logs, API output or the request log."""
    caplog.set_level(logging.DEBUG)
    provider = Provider(fake)
    insert_template(database, "oa", oauth_xml(base, content_type=content_type))
    created = admin.post(
        "/api/v1/integrations",
        json={
            "template_id": "oa",
            "name": "O",
            "fields": {"client_id": "cid", "client_secret": CANARY},
        },
    ).json()
    start = admin.post(f"/api/v1/integrations/{created['id']}/connect").json()
    assert start["status"] == "redirect"
    query = parse_qs(urlsplit(start["url"]).query)
    callback = settings.public_url + "/api/v1/oauth/callback"
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["cid"]
    assert query["scope"] == ["contacts.read contacts.write"]
    assert query["audience"] == ["api"]
    assert query["redirect_uri"] == [callback]
    assert admin.get(f"/api/v1/integrations/{created['id']}").json()["status"] == "pending_oauth"

    redirect = httpx.get(start["url"], follow_redirects=False)  # the "browser"
    location = redirect.headers["location"]
    assert location.startswith(callback)
    path = location[len(settings.public_url) :]
    token = client.headers.pop("Authorization")  # the browser has no admin token
    done = client.get(path, headers={"Accept": "application/json"})
    assert done.json() == {"status": "connected", "integration_id": created["id"]}
    exchange = provider.exchanges[0]
    assert exchange["content_type"].startswith(content_type)
    assert {k: exchange[k] for k in ("grant_type", "code", "redirect_uri", "client_id")} == {
        "grant_type": "authorization_code",
        "code": "the-code-77",
        "redirect_uri": callback,
        "client_id": "cid",
    }
    again = client.get(path, headers={"Accept": "application/json"})
    assert again.status_code == 400  # single-use state
    client.headers["Authorization"] = token

    view = admin.get(f"/api/v1/integrations/{created['id']}").json()
    assert view["status"] == "connected"
    assert view["secrets"]["AccessToken"] == "set"
    assert view["secrets"]["RefreshToken"] == "set"
    assert view["token_expires_at"] > view["token_refreshed_at"]
    log = admin.get(f"/api/v1/integrations/{created['id']}/requests").json()
    assert log[0]["scenario"] == "oauth_token"
    everything = json.dumps(log) + json.dumps(view) + caplog.text + done.text + again.text
    for secret in (CANARY, "at-Secret-1", "rt-Secret-1", "the-code-77"):
        assert secret not in everything


@SQLITE_ONLY
def test_oauth2_token_error_with_200_fails_the_callback(admin, client, database, fake, base):
    """A token response with HTTP 200 and an `error` body is a failure."""
    Provider(fake, error_body=True)
    insert_template(database, "oa", oauth_xml(base))
    created = admin.post(
        "/api/v1/integrations",
        json={
            "template_id": "oa",
            "name": "O",
            "fields": {"client_id": "cid", "client_secret": CANARY},
        },
    ).json()
    start = admin.post(f"/api/v1/integrations/{created['id']}/connect").json()
    location = httpx.get(start["url"], follow_redirects=False).headers["location"]
    path = "/api/v1/oauth/callback?" + urlsplit(location).query
    page = client.get(path)
    assert page.status_code == 502
    assert "invalid_client" in page.text
    assert CANARY not in page.text
    view = admin.get(f"/api/v1/integrations/{created['id']}").json()
    assert view["status"] == "disconnected"
    assert "invalid_client" in view["status_message"]


@SQLITE_ONLY
def test_callback_redirects_the_browser_to_the_integration_page(
    admin, client, database, fake, base
):
    Provider(fake)
    insert_template(database, "oa", oauth_xml(base))
    created = admin.post(
        "/api/v1/integrations",
        json={"template_id": "oa", "name": "O", "fields": {"client_id": "cid"}},
    ).json()
    start = admin.post(f"/api/v1/integrations/{created['id']}/connect").json()
    location = httpx.get(start["url"], follow_redirects=False).headers["location"]
    done = client.get("/api/v1/oauth/callback?" + urlsplit(location).query, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/admin/integrations/{created['id']}"


@SQLITE_ONLY
def test_callback_refuses_a_forged_state(client):
    response = client.get(
        "/api/v1/oauth/callback?code=x&state=forged", headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
