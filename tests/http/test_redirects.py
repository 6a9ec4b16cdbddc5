"""Redirects, default headers and content decoding of the executor, which drives httpx's
transport itself (no httpx.AsyncClient): the redirect rules as a table, then the executor
against real local servers."""

from __future__ import annotations

import base64
import gzip

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ringdesk import __version__
from ringdesk.errors import HelpdeskError
from ringdesk.http.redirects import MAX_REDIRECTS, next_request
from ringdesk.store.requestlog import list_entries
from tests.integrations.support import (
    SQLITE_ONLY,
    FakeHelpdesk,
    add_integration,
    insert_template,
    json_ok,
    make_state,
    send,
    template_xml,
)
from tests.live import serve_app

_HEADERS = {
    "Authorization": "Bearer secret-token",
    "X-Api-Key": "k-123",
    "X-Tenant": "acme",
    "Cookie": "session=1",
    "Idempotency-Key": "call_log:1:c1:",
    "Content-Type": "application/json",
}


def _post(url: str = "https://desk.example/api/calls") -> httpx.Request:
    return httpx.Request("POST", url, headers=_HEADERS, content=b'{"a":1}')


@pytest.mark.parametrize(
    ("status", "method", "expected_method", "keeps_body"),
    [
        (301, "POST", "GET", False),
        (302, "POST", "GET", False),
        (303, "POST", "GET", False),
        (303, "PUT", "GET", False),
        (307, "POST", "POST", True),
        (308, "POST", "POST", True),
        (301, "PUT", "PUT", True),
        (302, "PATCH", "PATCH", True),
    ],
)
def test_method_and_body_per_status(status, method, expected_method, keeps_body):
    request = httpx.Request(method, "https://desk.example/a", headers=_HEADERS, content=b"{}")
    follow = next_request(request, status, "/b")
    assert follow.method == expected_method
    assert follow.url == httpx.URL("https://desk.example/b")
    assert (follow.content == b"{}") is keeps_body
    assert ("content-type" in follow.headers) is keeps_body
    assert follow.headers["idempotency-key"] == "call_log:1:c1:"


def test_head_stays_head_on_303():
    request = httpx.Request("HEAD", "https://desk.example/a")
    assert next_request(request, 303, "/b").method == "HEAD"


@pytest.mark.parametrize(
    "location",
    [
        "https://other.example/api/calls",  # another host
        "https://desk.example:8443/api/calls",  # another port
        "http://desk.example/api/calls",  # https → http is a downgrade, another origin
    ],
)
def test_only_neutral_headers_leave_the_origin(location):
    """Not just Authorization: any header could carry a key (template headers, follow-up
    request headers), so only content-neutral ones go along."""
    follow = next_request(_post(), 307, location)
    assert {name.lower() for name in follow.headers} == {
        "host",
        "idempotency-key",
        "content-type",
        "content-length",
    }
    assert follow.headers["host"] == httpx.URL(location).netloc.decode()


def test_same_origin_keeps_credentials_and_resolves_relative_locations():
    follow = next_request(_post(), 308, "v2/calls?x=1")
    assert follow.url == httpx.URL("https://desk.example/api/v2/calls?x=1")
    assert follow.headers["authorization"] == "Bearer secret-token"
    assert follow.headers["x-tenant"] == "acme"


@pytest.mark.parametrize(
    ("start", "location", "same_site"),
    [
        ("http://desk.example/a", "https://desk.example/a", True),
        ("http://desk.example:80/a", "https://desk.example:443/a", True),
        ("http://desk.example:8080/a", "https://desk.example/a", False),
        ("http://desk.example/a", "https://api.desk.example/a", False),
    ],
)
def test_an_upgrade_to_https_on_the_same_host_keeps_credentials(start, location, same_site):
    follow = next_request(_post(start), 308, location)
    assert ("authorization" in follow.headers) is same_site


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        (None, "without a Location"),
        ("", "without a Location"),
        ("ftp://desk.example/file", "non-HTTP"),
        ("javascript:alert(1)", "non-HTTP"),
    ],
)
def test_unusable_locations_are_refused(location, reason):
    with pytest.raises(HelpdeskError, match=reason):
        next_request(_post(), 302, location)


# -- the executor over real sockets -------------------------------------------------------


async def _ctx(settings, database):
    xml = template_xml(
        method="bearer",
        fields='<Field type="password" name="api_token" title="Token"/>',
        auth="<Bearer><Token>{{.api_token}}</Token></Bearer>",
        headers='<Header name="X-Tenant" description="">acme</Header>',
    )
    insert_template(database, "fake", xml)
    state = make_state(settings, database)
    integration_id = add_integration(state, "fake", fields={"api_token": "tok-canary-123"})
    return state, integration_id


def _redirect(location: str, status: int = 302):
    async def handler(_: Request) -> Response:
        return RedirectResponse(location, status_code=status)

    return handler


@SQLITE_ONLY  # HTTP behaviour: the database plays no part
async def test_redirects_are_followed_within_and_across_origins(settings, database):
    home, away = FakeHelpdesk(), FakeHelpdesk()
    with serve_app(home.app()) as home_url, serve_app(away.app()) as away_url:
        home.on("/old", _redirect("/new", 307))
        home.on("/new", json_ok({"where": "new"}, status=201))
        home.on("/moved", _redirect(f"{away_url}/landing", 307))
        away.on("/landing", json_ok({"where": "away"}, status=201))
        state, integration_id = await _ctx(settings, database)
        ctx = await state.contexts.load(integration_id)
        same = await send(
            state, ctx, scenario="call_log", method="POST", url=f"{home_url}/old", body='{"n":1}'
        )
        other = await send(
            state, ctx, scenario="call_log", method="POST", url=f"{home_url}/moved", body='{"n":2}'
        )
        await state.aclose()
    assert same.json() == {"where": "new"}
    (new,) = home.paths("/new")
    assert (new.method, new.body) == ("POST", b'{"n":1}')  # 307 repeats the request
    assert new.headers["authorization"] == "Bearer tok-canary-123"
    assert new.headers["x-tenant"] == "acme"
    assert other.json() == {"where": "away"}
    (landed,) = away.paths("/landing")
    assert landed.body == b'{"n":2}'
    assert "authorization" not in landed.headers
    assert "x-tenant" not in landed.headers  # a template header may carry an API key


@SQLITE_ONLY  # HTTP behaviour: the database plays no part
async def test_a_redirect_loop_fails_without_retry(settings, database):
    fake = FakeHelpdesk()
    with serve_app(fake.app()) as url:
        fake.on("/loop", _redirect("/loop"))
        state, integration_id = await _ctx(settings, database)
        ctx = await state.contexts.load(integration_id)
        with pytest.raises(HelpdeskError, match=f"more than {MAX_REDIRECTS} redirects") as caught:
            await send(state, ctx, scenario="users", method="GET", url=f"{url}/loop")
        await state.aclose()
    assert caught.value.retryable is False
    assert len(fake.paths("/loop")) == MAX_REDIRECTS + 1


@SQLITE_ONLY  # HTTP behaviour: the database plays no part
async def test_default_headers_gzip_and_no_shared_cookies(settings, database):
    """What httpx.AsyncClient used to add is still sent; compressed answers are decoded; a
    cookie one answer sets is never sent back (no jar shared between integrations)."""
    fake = FakeHelpdesk()

    async def compressed(_: Request) -> Response:
        body = gzip.compress(b'{"packed": true}')
        return Response(
            body,
            headers={
                "content-encoding": "gzip",
                "content-type": "application/json",
                "set-cookie": "session=abc; Path=/",
            },
        )

    with serve_app(fake.app()) as url:
        fake.on("/packed", compressed)
        fake.on("/next", json_ok())
        state, integration_id = await _ctx(settings, database)
        ctx = await state.contexts.load(integration_id)
        packed = await send(state, ctx, scenario="users", method="GET", url=f"{url}/packed")
        await send(state, ctx, scenario="users", method="GET", url=f"{url}/next")
        await state.aclose()
    assert packed.json() == {"packed": True}
    first = fake.paths("/packed")[0].headers
    assert first["user-agent"] == f"ringdesk/{__version__}"
    assert "gzip" in first["accept-encoding"]
    assert first["accept"] == "*/*"
    assert "cookie" not in fake.paths("/next")[0].headers


@SQLITE_ONLY  # HTTP behaviour: the database plays no part
async def test_extra_headers_do_not_follow_a_redirect_to_another_origin(settings, database):
    """Follow-up requests bring their own headers (extra_headers), e.g. an API token."""
    home, away = FakeHelpdesk(), FakeHelpdesk()
    with serve_app(home.app()) as home_url, serve_app(away.app()) as away_url:
        home.on("/hook", _redirect(f"{away_url}/hook", 307))
        away.on("/hook", json_ok())
        state, integration_id = await _ctx(settings, database)
        ctx = await state.contexts.load(integration_id)
        await send(
            state,
            ctx,
            scenario="follow_up",
            method="POST",
            url=f"{home_url}/hook",
            body="{}",
            extra_headers={"X-Freshdesk-Token": "fd-secret-999"},
            apply_custom_headers=False,
        )
        await state.aclose()
    assert home.paths("/hook")[0].headers["x-freshdesk-token"] == "fd-secret-999"
    assert "x-freshdesk-token" not in away.paths("/hook")[0].headers


@SQLITE_ONLY  # HTTP behaviour: the database plays no part
async def test_user_and_password_in_the_url_are_sent_as_basic_auth(settings, database):
    """As httpx.AsyncClient did: `https://key:X@host/…` means Basic auth (some helpdesks
    document their API that way); they are masked in the request log."""
    fake = FakeHelpdesk()
    with serve_app(fake.app()) as url:
        fake.on("/me", json_ok())
        state, integration_id = await _ctx(settings, database)
        ctx = await state.contexts.load(integration_id)
        with_userinfo = url.replace("http://", "http://api%40key:X%3Ay@")
        await send(
            state, ctx, scenario="users", method="GET", url=f"{with_userinfo}/me", apply_auth=False
        )
        await state.aclose()
    sent = fake.paths("/me")[0].headers["authorization"]
    assert sent == "Basic " + base64.b64encode(b"api@key:X:y").decode()
    with database.session() as session:
        (row,) = list_entries(session, integration_id)
    assert "X%3Ay" not in row["url"]
    assert "api%40key" not in row["url"]
    assert "Authorization: ***" in row["request"]
