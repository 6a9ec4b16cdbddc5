"""GET /api/v1/agents/{extension}/events: server-sent screen pops over a real socket (C9)."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ringdesk.api.app import create_app
from ringdesk.screenpop.agent_tokens import agent_key
from tests.live import serve_app
from tests.services import test_services


@pytest.fixture
def live(settings):
    """The app on a real uvicorn server, with a short heartbeat."""
    services = test_services(settings.model_copy(update={"sse_heartbeat_seconds": 0.05}))
    with serve_app(create_app(services=services)) as url:
        yield services, url


def _read_until(lines, predicate, limit=200):
    seen = []
    for line in lines:
        seen.append(line)
        if predicate(line):
            return seen
        if len(seen) > limit:
            break
    raise AssertionError(f"not found in {seen!r}")


def _wait(condition):
    deadline = time.monotonic() + 5
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met")
        time.sleep(0.01)


def test_published_pop_arrives_as_sse(live, settings):
    """A pop published for 1001 arrives as `event: pop` with JSON data (covers C9)."""
    app, url = live
    key = agent_key(settings.resolved_secret_key(), "1001")
    with (
        httpx.Client(timeout=10) as http,
        http.stream("GET", f"{url}/api/v1/agents/1001/events", params={"key": key}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        _read_until(lines, lambda line: line == ": connected")
        app.hub.publish("1001", {"name": 'Zoë "Zed" Ölund', "number": "+4930123456"})
        app.hub.publish("1002", {"name": "not for 1001"})
        seen = _read_until(lines, lambda line: line.startswith("data: "))
        assert "event: pop" in seen
        pop = json.loads(seen[-1].removeprefix("data: "))
        assert pop["name"] == 'Zoë "Zed" Ölund'
        _read_until(lines, lambda line: line == ": heartbeat")
    # The server notices the client left and unsubscribes.
    _wait(lambda: app.hub.subscriber_count("1001") == 0)
    assert "ringdesk_screen_pops_total 1.0" in app.metrics.render().decode()


def test_admin_token_may_read_any_extension(live, admin_token):
    """The admin token opens any extension's stream."""
    _app, url = live
    headers = {"Authorization": f"Bearer {admin_token}"}
    with (
        httpx.Client(timeout=10) as http,
        http.stream("GET", f"{url}/api/v1/agents/2002/events", headers=headers) as response,
    ):
        assert response.status_code == 200


def test_stream_refused_without_valid_key(live, settings):
    """Without the extension's key or the admin token the stream is refused."""
    _app, url = live
    other = agent_key(settings.resolved_secret_key(), "1002")
    for params in ({}, {"key": "wrong"}, {"key": other}):
        response = httpx.get(f"{url}/api/v1/agents/1001/events", params=params, timeout=10)
        assert response.status_code == 401, params


def _old_style_key(secret: str, extension: str) -> str:
    """How agent keys were made before issue 14: straight from the secret-store key."""
    import base64
    import hashlib
    import hmac

    mac = hmac.new(secret.encode(), f"agent:{extension}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()


def test_agent_keys_have_their_own_derived_key(client, settings):
    """Issue 14 #5: a MAC made directly with the key that encrypts every stored secret is
    no agent key (agent keys come from an HKDF-derived key of their own)."""
    old = _old_style_key(settings.resolved_secret_key(), "1001")
    assert client.get(f"/agent/1001?key={old}").status_code == 403
    stream = client.get("/api/v1/agents/1001/events", params={"key": old})
    assert stream.status_code == 401


def test_revoking_one_extensions_links(live, settings, admin_token):
    """Issue 14 #5: DELETE /agents/1001/link revokes 1001's links only; GET gives the new
    one; the CLI does the same with `ringdesk admin revoke-agent-link`."""
    _services, url = live
    headers = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as api:
        first = api.get("/api/v1/agents/1001/link").json()["url"]
        other = api.get("/api/v1/agents/1002/link").json()["url"]
        assert first.endswith(
            f"/agent/1001?key={agent_key(settings.resolved_secret_key(), '1001')}"
        )
        assert httpx.get(url + first.split(settings.public_url, 1)[1]).status_code == 200
        assert api.delete("/api/v1/agents/1001/link").status_code == 204
        renewed = api.get("/api/v1/agents/1001/link").json()["url"]
    assert renewed != first
    for link, status in ((first, 403), (renewed, 200), (other, 200)):
        path = link.split(settings.public_url, 1)[1]
        assert httpx.get(url + path, timeout=10).status_code == status, link
    key = parse_qs(urlsplit(first).query)["key"][0]
    events = httpx.get(f"{url}/api/v1/agents/1001/events", params={"key": key}, timeout=10)
    assert events.status_code == 401


def test_cli_revoke_agent_link(settings, monkeypatch):
    from click.testing import CliRunner

    from ringdesk.cli import main

    monkeypatch.setenv("RINGDESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RINGDESK_SECRET_KEY", settings.resolved_secret_key())
    monkeypatch.setenv("RINGDESK_PUBLIC_URL", "https://rd.example")
    runner = CliRunner()
    before = runner.invoke(main, ["admin", "agent-link", "1001"]).output.strip()
    revoked = runner.invoke(main, ["admin", "revoke-agent-link", "1001"])
    assert revoked.exit_code == 0, revoked.output
    after = runner.invoke(main, ["admin", "agent-link", "1001"]).output.strip()
    assert before.startswith("https://rd.example/agent/1001?key=")
    assert after != before
    assert after in revoked.output
