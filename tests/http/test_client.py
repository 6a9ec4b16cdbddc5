"""The executor against real local HTTP servers: cap, retries, Retry-After, size limit,
connection resets, custom headers, request log and capture."""

from __future__ import annotations

import asyncio

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ringdesk.errors import HelpdeskError
from ringdesk.http.client import Exchange
from ringdesk.retry import RetryPolicy
from ringdesk.store.requestlog import list_entries
from tests.integrations.support import (
    SQLITE_ONLY,
    FakeHelpdesk,
    add_integration,
    insert_template,
    json_ok,
    make_state,
    send,
    sequence,
    slow,
    template_xml,
)
from tests.live import serve_app


def _basic_template(cap: int = 5, headers: str = "") -> str:
    return template_xml(
        method="basic",
        cap=cap,
        fields='<Field type="text" name="username" title="User"/>'
        '<Field type="password" name="password" title="Password"/>',
        auth="<Basic><Format>{{.username}}:{{.password}}</Format></Basic>",
        headers=headers,
    )


@pytest.fixture
def fake():
    return FakeHelpdesk()


@pytest.fixture
def server(fake):
    with serve_app(fake.app()) as url:
        yield url


async def _ctx(settings, database, *, cap=5, headers="", retry=None):
    insert_template(database, "fake", _basic_template(cap, headers))
    state = make_state(settings, database, **({"retry": retry} if retry else {}))
    integration_id = add_integration(
        state, "fake", fields={"username": "ada", "password": "s3cret-canary-PW"}
    )
    return state, await state.contexts.load(integration_id)


async def test_cap_holds_under_200_concurrent_requests(settings, database, fake, server):
    """G3: 200 requests at once with a cap of 5 → the server never sees more than 5."""
    fake.on("/slow", slow(0.01))
    state, ctx = await _ctx(settings, database, cap=5)
    results = await asyncio.gather(
        *(send(state, ctx, scenario="test", method="GET", url=f"{server}/slow") for _ in range(200))
    )
    await state.aclose()
    assert all(r.status == 200 for r in results)
    assert len(fake.paths("/slow")) == 200
    assert fake.max_in_flight <= 5
    assert fake.max_in_flight >= 2  # the cap is a cap, not serialisation


@SQLITE_ONLY
async def test_basic_auth_header_and_custom_headers(settings, database, fake, server):
    """A4: Basic base64(user:pass); H1: custom headers rendered and sent on scenario requests."""
    fake.on("/me", json_ok({"me": 1}))
    headers = '<Header name="X-User" description="">{{.username}}-x</Header>'
    state, ctx = await _ctx(settings, database, headers=headers)
    response = await send(state, ctx, scenario="users", method="GET", url=f"{server}/me")
    await state.aclose()
    assert response.json() == {"me": 1}
    seen = fake.paths("/me")[0]
    assert seen.headers["authorization"] == "Basic YWRhOnMzY3JldC1jYW5hcnktUFc="
    assert seen.headers["x-user"] == "ada-x"


@SQLITE_ONLY
async def test_custom_authorization_header_overrides_auth(settings, database, fake, server):
    """H3: an Authorization custom header replaces the Basic one."""
    fake.on("/me", json_ok())
    headers = '<Header name="Authorization" description="">Token {{.username}}</Header>'
    state, ctx = await _ctx(settings, database, headers=headers)
    await send(state, ctx, scenario="users", method="GET", url=f"{server}/me")
    await send(
        state,
        ctx,
        scenario="follow_up",
        method="GET",
        url=f"{server}/me",
        apply_custom_headers=False,
    )
    await state.aclose()
    first, second = fake.paths("/me")
    assert first.headers["authorization"] == "Token ada"
    assert second.headers["authorization"].startswith("Basic ")  # H2: not on follow-ups


@SQLITE_ONLY  # a 2 s wait: once is enough
async def test_retry_after_two_seconds_is_honoured(settings, database, fake, server):
    """L3/429: the retry comes at least 2 s after the 429 (measured at the server)."""
    fake.on(
        "/limited",
        sequence(json_ok({"slow": "down"}, 429, {"Retry-After": "2"}), json_ok({"ok": 1})),
    )
    state, ctx = await _ctx(settings, database)
    response = await send(state, ctx, scenario="t", method="GET", url=f"{server}/limited")
    await state.aclose()
    assert response.status == 200
    first, second = fake.paths("/limited")
    assert second.at - first.at >= 2.0


class _Waits:
    """Wall time; waits are recorded, not slept."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def now(self) -> float:
        import time

        return time.time()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@SQLITE_ONLY
@pytest.mark.parametrize(
    "header", ["Retry-After", "X-RateLimit-Retry-After"], ids=["standard", "help-scout"]
)
async def test_429_waits_for_the_vendor_retry_after_header(
    settings, database, fake, server, header
):
    """429: the wait is the helpdesk's own delay, also when it names the header its own way
    (Help Scout: `X-RateLimit-Retry-After`)."""
    fake.on("/limited", sequence(json_ok({}, 429, {header: "7"}), json_ok({"ok": 1})))
    insert_template(database, "fake", _basic_template())
    clock = _Waits()
    state = make_state(settings, database, clock=clock)
    integration_id = add_integration(state, "fake", fields={"username": "a", "password": "b"})
    ctx = await state.contexts.load(integration_id)
    response = await send(state, ctx, scenario="t", method="GET", url=f"{server}/limited")
    await state.aclose()
    assert response.status == 200
    assert clock.sleeps == [7.0]


@SQLITE_ONLY
async def test_three_500s_then_200_is_one_success(settings, database, fake, server):
    """Retries with backoff on 5xx: 500, 500, 500, then 200 → one successful response."""
    fake.on(
        "/flaky",
        sequence(json_ok({}, 500), json_ok({}, 500), json_ok({}, 500), json_ok({"n": 4})),
    )
    state, ctx = await _ctx(settings, database)
    response = await send(state, ctx, scenario="t", method="GET", url=f"{server}/flaky")
    await state.aclose()
    assert response.json() == {"n": 4}
    assert len(fake.paths("/flaky")) == 4
    # I8: every attempt is counted by helpdesk (template id) and status.
    sample = state.metrics.registry.get_sample_value
    assert sample("ringdesk_helpdesk_requests_total", {"helpdesk": "fake", "status": "500"}) == 3
    assert sample("ringdesk_helpdesk_requests_total", {"helpdesk": "fake", "status": "200"}) == 1


@SQLITE_ONLY
async def test_post_is_not_retried_without_idempotency_key(settings, database, fake, server):
    """A POST without a key is sent once; the error says a retry may help later."""
    fake.on("/logs", json_ok({}, 503))
    state, ctx = await _ctx(settings, database)
    with pytest.raises(HelpdeskError) as caught:
        await send(state, ctx, scenario="t", method="POST", url=f"{server}/logs", body="{}")
    assert caught.value.retryable is True
    assert caught.value.status == 503
    assert len(fake.paths("/logs")) == 1
    fake.seen.clear()
    fake.on("/logs", sequence(json_ok({}, 503), json_ok({"id": 1}, 201)))
    response = await send(
        state,
        ctx,
        scenario="t",
        method="POST",
        url=f"{server}/logs",
        body="{}",
        idempotency_key="call-1",
    )
    await state.aclose()
    assert response.status == 201
    sent = fake.paths("/logs")
    assert len(sent) == 2
    assert {s.headers["idempotency-key"] for s in sent} == {"call-1"}


@SQLITE_ONLY
async def test_4xx_is_final_and_not_retryable(settings, database, fake, server):
    fake.on("/bad", json_ok({"error": "nope"}, 422))
    state, ctx = await _ctx(settings, database)
    with pytest.raises(HelpdeskError) as caught:
        await send(state, ctx, scenario="t", method="GET", url=f"{server}/bad")
    await state.aclose()
    assert (caught.value.retryable, caught.value.status) == (False, 422)
    assert len(fake.paths("/bad")) == 1


@SQLITE_ONLY
async def test_response_size_limit(settings, database, fake, server):
    """A response over `max_response_bytes` is refused, not buffered whole."""
    settings = settings.model_copy(update={"max_response_bytes": 1000})

    async def big(_: Request) -> Response:
        return Response(b"x" * 5000, media_type="text/plain")

    fake.on("/big", big)
    state, ctx = await _ctx(settings, database)
    with pytest.raises(HelpdeskError, match="more than 1000 bytes") as caught:
        await send(state, ctx, scenario="t", method="GET", url=f"{server}/big")
    await state.aclose()
    assert caught.value.retryable is False


@SQLITE_ONLY
async def test_connection_reset_mid_body_is_retried_for_get(settings, database):
    """A GET whose response is cut mid-body is retried. A raw asyncio socket server, not the
    fake helpdesk: uvicorn cannot be made to drop a connection half-way through a body."""
    calls = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal calls
        calls += 1
        await reader.readuntil(b"\r\n\r\n")
        if calls == 1:
            writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial":')
            await writer.drain()
            writer.transport.abort()  # reset mid-body
            return
        body = b'{"ok": true}'
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    state, ctx = await _ctx(settings, database)
    async with server:
        response = await send(
            state, ctx, scenario="t", method="GET", url=f"http://127.0.0.1:{port}/x"
        )
    await state.aclose()
    assert response.json() == {"ok": True}
    assert calls == 2


async def test_request_log_is_redacted_and_trimmed(settings, database, fake, server):
    """I4 + A9: rows hold method/URL/status/duration; secrets masked; retention trims."""
    settings = settings.model_copy(update={"request_log_retention": 3})
    fake.on("/echo", json_ok({"token": "leaky-value", "password": "s3cret-canary-PW"}))
    state, ctx = await _ctx(settings, database)
    capture: list[Exchange] = []
    for n in range(5):
        await send(
            state,
            ctx,
            scenario="users",
            method="GET",
            url=f"{server}/echo?n={n}&api_key=s3cret-canary-PW&access_token=abc123",
            capture=capture,
        )
    await state.aclose()
    with database.session() as session:
        rows = list_entries(session, ctx.integration_id)
    assert len(rows) == 3
    assert [r["url"].split("n=")[1][0] for r in rows] == ["4", "3", "2"]  # newest first
    text = repr(rows) + repr(capture)
    for secret in ("s3cret-canary-PW", "abc123", "leaky-value", "YWRhOnMzY3JldC1jYW5hcnktUFc="):
        assert secret not in text
    assert rows[0]["method"] == "GET"
    assert rows[0]["status"] == 200
    assert rows[0]["duration_ms"] > 0
    assert capture[0].request_headers["Authorization"] == "***"


@pytest.mark.pg
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_cap_holds_across_two_processes_on_postgres(settings, fake, server):
    """G3 across processes: two executors with their own Database share the cap of 3."""
    from ringdesk.store.db import Database

    fake.on("/slow", slow(0.02))
    db_a, db_b = Database(settings.database_url), Database(settings.database_url)
    try:
        insert_template(db_a, "fake", _basic_template(3))
        state_a, state_b = make_state(settings, db_a), make_state(settings, db_b)
        integration_id = add_integration(state_a, "fake", fields={"username": "u"})
        ctx_a = await state_a.contexts.load(integration_id)
        ctx_b = await state_b.contexts.load(integration_id)
        await asyncio.gather(
            *(
                send(s, c, scenario="t", method="GET", url=f"{server}/slow")
                for _ in range(30)
                for s, c in ((state_a, ctx_a), (state_b, ctx_b))
            )
        )
        await state_a.aclose()
        await state_b.aclose()
    finally:
        db_a.dispose()
        db_b.dispose()
    assert len(fake.paths("/slow")) == 60
    assert fake.max_in_flight <= 3


@SQLITE_ONLY
async def test_peer_error_message_hides_secrets(settings, database, fake, server):
    """A9: exception text never holds a secret value even when the helpdesk echoes it."""

    async def echo(request: Request) -> Response:
        return JSONResponse({"got": request.headers.get("authorization")}, status_code=400)

    fake.on("/echo", echo)
    state, ctx = await _ctx(settings, database, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(HelpdeskError) as caught:
        await send(state, ctx, scenario="t", method="GET", url=f"{server}/echo")
    await state.aclose()
    assert "YWRhOnMzY3JldC1jYW5hcnktUFc=" not in str(caught.value)
