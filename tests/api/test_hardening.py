"""Issue 14 over the app: secrets kept out of the access log, security headers on every
page, clear 4xx answers (never a 500) for hostile input, and secret-looking names treated as
secrets."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from fastapi.testclient import TestClient

from ringdesk.api.app import create_app
from ringdesk.testing import call_event, signed_headers
from tests.live import serve_app

SECRET = "test-webhook-secret"  # the `settings` fixture's webhook secret


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_access_log_masks_tokens_keys_codes_and_states(settings):
    """Issue 14 #4: the Yeastar `?token=`, agent `?key=`, OAuth `?code=`/`?state=` values
    never reach uvicorn's access log (a filter the app installs on `uvicorn.access`)."""
    canaries = {
        "/api/v1/events/yeastar?token=CanaryTok1": "CanaryTok1",
        "/agent/1001?key=CanaryKey2&x=1": "CanaryKey2",
        "/api/v1/oauth/callback?code=CanaryCode3&state=CanaryState4": "CanaryCode3",
        "/api/v1/oauth/callback?state=CanaryState5&code=x": "CanaryState5",
        "/admin/setup?code=CanarySetup6": "CanarySetup6",
        "/agent/create-contact?ext=1&session_id=CanarySid7": "CanarySid7",
    }
    records = _Records()
    logger = logging.getLogger("uvicorn.access")
    app = create_app(settings)
    with serve_app(app) as url:
        logger.addHandler(records)
        level = logger.level
        logger.setLevel(logging.INFO)
        try:
            for path in canaries:
                httpx.get(url + path, timeout=10)
        finally:
            logger.setLevel(level)
            logger.removeHandler(records)
    text = "\n".join(records.lines)
    assert len(records.lines) >= len(canaries)
    assert "/agent/1001?key=***&x=1" in text
    for canary in canaries.values():
        assert canary not in text


@pytest.mark.parametrize(
    "path", ["/admin/login", "/admin/setup", "/agent/1001", "/api/v1/templates", "/nope"]
)
def test_security_headers_on_every_response(client, path):
    """Issue 14 #7: CSP (own origin only, no inline script, no framing), nosniff and a
    referrer policy, on pages, API answers and errors alike."""
    response = client.get(path, follow_redirects=False)
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "http" not in csp
    assert "unsafe" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_docs_page_allows_exactly_its_own_inline_script(client):
    """The Swagger UI page's bootstrap script is allowed by its hash, nothing external."""
    import base64
    import hashlib
    import re

    response = client.get("/docs")
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.S)
    assert scripts
    csp = response.headers["content-security-policy"]
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in csp


def test_web_templates_have_no_inline_script_or_handlers():
    """Issue 14 #7: what the CSP forbids is not in ringdesk's own pages."""
    import re
    from pathlib import Path

    import ringdesk.web

    folder = Path(ringdesk.web.__file__).parent / "templates"
    for page in folder.glob("*.html"):
        text = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), page.name
        assert not re.search(r"\son[a-z]+\s*=", text), page.name
        assert "javascript:" not in text, page.name
        assert not re.search(r"\sstyle\s*=", text), page.name


# -- 13. clear 4xx answers ----------------------------------------------------------------------


def _post_event(client, raw: bytes):
    return client.post("/api/v1/events", content=raw, headers=signed_headers(raw, SECRET))


def test_deeply_nested_webhook_json_is_a_422_naming_the_body(settings):
    """Issue 14 #13: signed JSON nested 30,000 deep is refused as a bad body, not a 500."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        deep = b'{"type":"call.ringing","x":' + b"[" * 30_000 + b"]" * 30_000 + b"}"
        response = _post_event(client, deep)
        assert response.status_code == 422, response.text[:200]
        assert response.json()["detail"][0]["field"] == "body"
        yeastar = client.post(
            "/api/v1/events/yeastar", content=deep, headers=signed_headers(deep, SECRET)
        )
        assert yeastar.status_code == 422
        # Brackets inside strings are data, not depth.
        text = json.dumps(call_event(call_id="c-[[[", note="[" * 5000)).encode()
        assert _post_event(client, text).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timestamp": 10**23}, "timestamp"),
        ({"timestamp": 10**18}, "timestamp"),
        ({"timestamp": 1e23}, "timestamp"),
        ({"type": "call.ended", "talk_seconds": 10**20}, "talk_seconds"),
    ],
    ids=["int-1e23", "int-1e18", "float-1e23", "talk-seconds"],
)
def test_absurd_times_are_a_422_naming_the_field(settings, database, changes, field):
    """Issue 14 #13: a timestamp of 1e23 is refused (it used to be stored, and every retry
    of its jobs failed with OverflowError)."""
    from sqlalchemy import func, select

    from ringdesk.store.tables import CallEventRow

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        raw = json.dumps(call_event(**changes)).encode()
        response = _post_event(client, raw)
    assert response.status_code == 422
    assert field in [p["field"] for p in response.json()["detail"]]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(CallEventRow)) == 0


TEXT_URL_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<HelpdeskTemplate formatVersion="1">
  <General><Name>Text URL Desk</Name><MaxConcurrentRequests>2</MaxConcurrentRequests></General>
  <Authentication method="none">
    <Fields>
      <Field type="text" name="base_url" title="Base URL"/>
      <Field type="text" name="client_secret" title="Client secret"/>
    </Fields>
  </Authentication>
  <FollowUpRequests>
    <Request trigger="connected" method="GET"><Url>{{.base_url}}/me</Url></Request>
  </FollowUpRequests>
</HelpdeskTemplate>"""


@pytest.fixture
def text_url_template(database) -> str:
    from ringdesk.store.tables import TemplateRow

    with database.session() as session:
        session.add(TemplateRow(id="texturl", name="Text URL Desk", xml=TEXT_URL_TEMPLATE))
    return "texturl"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://0177.0.0.1", "is not an IPv4 address"),
        ("http://127.1:8090", "is not an IPv4 address"),
        ("http://user:pw@desk.example", "user name or password"),
        ("gopher://desk.example", "http:// or https://"),
        ("http://a..b", "not a valid host name"),
    ],
    ids=["octal", "short-ipv4", "userinfo", "scheme", "empty-label"],
)
def test_connect_refuses_unusable_urls_with_a_422(
    settings, database, text_url_template, url, message
):
    """Issue 14 #13: `http://0177.0.0.1` in a connect field is a 422 naming the field, and
    the integration stays disconnected (it used to be a 500, left "connected")."""
    from ringdesk.store.admin import create_token

    with database.session() as session:
        token = create_token(session, "t")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings), raise_server_exceptions=False, headers=headers) as client:
        created = client.post(
            "/api/v1/integrations",
            json={"template_id": text_url_template, "name": "x", "fields": {"base_url": url}},
        )
        assert created.status_code == 201, created.text
        integration = created.json()["id"]
        response = client.post(f"/api/v1/integrations/{integration}/connect")
        assert response.status_code == 422, response.text
        (problem,) = response.json()["problems"]
        assert problem["field"] == "fields.base_url"
        assert message in problem["message"]
        assert client.get(f"/api/v1/integrations/{integration}").json()["status"] == "disconnected"


def test_url_fields_are_checked_when_saved(admin):
    """A `url` field (the demo template's base_url) refuses such a value at once."""
    response = admin.post(
        "/api/v1/integrations",
        json={
            "template_id": "demo",
            "name": "x",
            "fields": {"base_url": "http://0177.0.0.1", "api_token": "t"},
        },
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "fields.base_url"


# -- 12. secret-looking names ---------------------------------------------------------------------


def test_text_field_with_a_secret_name_is_stored_as_a_secret(admin, text_url_template):
    """Issue 14 #12: `client_secret` declared as text is encrypted and shown as set/unset,
    never returned in clear."""
    created = admin.post(
        "/api/v1/integrations",
        json={
            "template_id": text_url_template,
            "name": "x",
            "fields": {"base_url": "https://desk.example", "client_secret": "CanarySecret8"},
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert "client_secret" not in body["fields"]
    assert body["secrets"]["client_secret"] == "set"
    listed = admin.get("/api/v1/integrations").text
    assert "CanarySecret8" not in created.text + listed


def test_template_validation_warns_about_secret_looking_text_fields(admin):
    response = admin.post(
        "/api/v1/templates/validate",
        content=TEXT_URL_TEMPLATE,
        headers={"Content-Type": "application/xml"},
    )
    warnings = [p for p in response.json()["problems"] if p["severity"] == "warning"]
    assert any("'client_secret' looks secret" in p["message"] for p in warnings), warnings
    assert not any("base_url" in p["message"] for p in warnings)


def test_follow_up_variable_sid_is_kept_secret(admin, services, text_url_template):
    """Issue 14 #12: a follow-up variable named `sid` is encrypted with the secrets, not
    stored and returned in clear like `user_id`."""
    from ringdesk.flows.followup import persist_variables

    created = admin.post(
        "/api/v1/integrations",
        json={"template_id": text_url_template, "name": "x", "fields": {}},
    ).json()
    persist_variables(services, created["id"], {"sid": "CanarySid9", "user_id": "7"})
    view = admin.get(f"/api/v1/integrations/{created['id']}")
    assert view.json()["variables"] == {"user_id": "7"}
    assert view.json()["secrets"]["sid"] == "set"
    assert "CanarySid9" not in view.text
