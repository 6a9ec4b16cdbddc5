"""Token refresh against a real local OAuth2 provider (A6, A8): on 401, before expiry, on
schedule; rotation stored before use; failures → needs_reconnect."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from urllib.parse import parse_qs

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tests.integrations.support import (
    SQLITE_ONLY,
    FakeHelpdesk,
    add_integration,
    insert_template,
    make_state,
    oauth_xml,
    send,
)
from tests.live import serve_app

from ringdesk.auth.scheduler import refresh_due
from ringdesk.errors import HelpdeskError
from ringdesk.store.tables import Integration


class Provider:
    """An OAuth2 provider that rotates refresh tokens and guards `/api/me`."""

    def __init__(self, fake: FakeHelpdesk, state):
        self.state = state
        self.generation = 0
        self.access = "at-0"
        self.refresh = "rt-0"
        self.fail_with: dict | None = None
        self.stored_refresh_when_used: list[str] = []
        fake.on("/oauth/token", self.token)
        fake.on("/api/me", self.me)

    async def token(self, request: Request) -> Response:
        raw = (await request.body()).decode()
        if "json" in request.headers.get("content-type", ""):
            params = json.loads(raw)
        else:
            params = {k: v[0] for k, v in parse_qs(raw).items()}
        if self.fail_with is not None:
            return JSONResponse(self.fail_with)  # HTTP 200 with an error body
        if (
            params.get("grant_type") == "refresh_token"
            and params.get("refresh_token") != self.refresh
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        self.generation += 1
        self.access, self.refresh = f"at-{self.generation}", f"rt-{self.generation}"
        return JSONResponse(
            {"access_token": self.access, "refresh_token": self.refresh, "expires_in": 3600}
        )

    async def me(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.access}":
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        # What the database held when the new token was first used (A6: stored before use).
        self.stored_refresh_when_used.append(await asyncio.to_thread(self._stored_refresh))
        return JSONResponse({"me": "ok"})

    def _stored_refresh(self) -> str:
        with self.state.database.session() as session:
            row = session.get(Integration, 1)
            return str(self.state.crypto.decrypt(row.secrets).get("RefreshToken"))


@pytest.fixture
def fake():
    return FakeHelpdesk()


@pytest.fixture
def base(fake):
    with serve_app(fake.app()) as url:
        yield url


def _setup(
    settings, database, fake, base, *, interval="", expires_at=None, access="at-stale", cap=5
):
    insert_template(database, "oa", oauth_xml(base, interval=interval, cap=cap))
    state = make_state(settings, database)
    provider = Provider(fake, state)
    integration_id = add_integration(
        state,
        "oa",
        fields={"client_id": "cid", "client_secret": "client-secret-canary"},
        secrets={"AccessToken": access, "RefreshToken": "rt-0"},
        token_expires_at=expires_at,
    )
    assert integration_id == 1
    return state, provider


async def test_401_triggers_one_refresh_and_retry_with_rotation_stored_first(
    settings, database, fake, base
):
    """A8 + A6: 401 → refresh → retry succeeds; the rotated refresh token was in the
    database before the new access token reached the helpdesk."""
    state, provider = _setup(settings, database, fake, base)
    ctx = await state.contexts.load(1)
    response = await send(state, ctx, scenario="users", method="GET", url=f"{base}/api/me")
    await state.aclose()
    assert response.json() == {"me": "ok"}
    assert len(fake.paths("/oauth/token")) == 1
    assert [s.headers["authorization"] for s in fake.paths("/api/me")] == [
        "Bearer at-stale",
        "Bearer at-1",
    ]
    assert provider.stored_refresh_when_used == ["rt-1"]
    token_call = fake.paths("/oauth/token")[0]
    assert "authorization" not in token_call.headers  # H2: no custom/auth headers on token calls
    assert parse_qs(token_call.body.decode())["refresh_token"] == ["rt-0"]


async def test_concurrent_401s_refresh_once(settings, database, fake, base):
    """Refreshes of one integration are serialised; late comers reuse the new token."""
    state, _ = _setup(settings, database, fake, base)
    ctx = await state.contexts.load(1)
    await asyncio.gather(
        *(send(state, ctx, scenario="u", method="GET", url=f"{base}/api/me") for _ in range(8))
    )
    await state.aclose()
    assert len(fake.paths("/oauth/token")) == 1


async def test_a_request_waiting_for_a_slot_is_sent_with_the_token_refreshed_meanwhile(
    settings, database, fake, base
):
    """A request read its token, then waited for a slot of the cap (G3) while this process
    refreshed the token: it goes out with the new token, not the one it read. (Behind a
    slow helpdesk with revoked tokens, queued requests sent with the token they read failed
    nearly all, and their retries queued again: deliveries stalled for minutes in the soak.)
    The refresh is recorded with `remember`, what a refresh stores for this process: a real
    one would itself wait for the only slot, behind the request under test."""
    from ringdesk.auth.tokens import TokenState

    state, provider = _setup(settings, database, fake, base, cap=1)
    arrived, gate = threading.Event(), threading.Event()

    async def hold(_request: Request) -> Response:
        arrived.set()
        await asyncio.to_thread(gate.wait, 10)
        return JSONResponse({"held": True})

    fake.on("/api/hold", hold)
    ctx = await state.contexts.load(1)
    holder = asyncio.create_task(
        send(state, ctx, scenario="u", method="GET", url=f"{base}/api/hold")
    )
    assert await asyncio.to_thread(arrived.wait, 10)  # the only slot is taken
    waiting = asyncio.create_task(
        send(state, ctx, scenario="u", method="GET", url=f"{base}/api/me")
    )
    await asyncio.sleep(0.2)  # it has read "at-stale" and waits for the slot
    provider.access = "at-new"
    state.tokens.remember(
        1, TokenState("at-new", "rt-0", expires_at=time.time() + 3600, refreshed_at=time.time())
    )
    gate.set()
    response = await waiting
    await holder
    await state.aclose()
    assert response.json() == {"me": "ok"}
    assert [s.headers["authorization"] for s in fake.paths("/api/me")] == ["Bearer at-new"]
    assert fake.paths("/oauth/token") == []


@SQLITE_ONLY
async def test_token_near_expiry_is_refreshed_before_the_request(settings, database, fake, base):
    state, _ = _setup(settings, database, fake, base, expires_at=time.time() + 10)
    ctx = await state.contexts.load(1)
    await send(state, ctx, scenario="u", method="GET", url=f"{base}/api/me")
    await state.aclose()
    assert [s.headers["authorization"] for s in fake.paths("/api/me")] == ["Bearer at-1"]


@SQLITE_ONLY
async def test_error_body_with_200_marks_needs_reconnect(settings, database, fake, base):
    """A token response with HTTP 200 but an `error` is a failure: needs_reconnect, the
    reason kept (redacted), work told to retry later, nothing else sent."""
    state, provider = _setup(settings, database, fake, base)
    provider.fail_with = {"error": "invalid_grant", "error_description": "rt-0 was revoked"}
    ctx = await state.contexts.load(1)
    with pytest.raises(HelpdeskError) as caught:
        await send(state, ctx, scenario="u", method="GET", url=f"{base}/api/me")
    assert caught.value.retryable is True
    assert "rt-0" not in str(caught.value)
    with database.session() as session:
        row = session.get(Integration, 1)
        assert row.status == "needs_reconnect"
        assert "invalid_grant" in row.status_message
        assert "rt-0" not in row.status_message
    fresh = await state.contexts.load(1)
    with pytest.raises(HelpdeskError, match="reconnected"):
        await send(state, fresh, scenario="u", method="GET", url=f"{base}/api/me")
    await state.aclose()
    assert len(fake.paths("/api/me")) == 1
    failures = state.metrics.registry.get_sample_value(
        "ringdesk_token_refresh_failures_total", {"helpdesk": "oa"}
    )
    assert failures == 1  # I8


@SQLITE_ONLY
async def test_refused_refresh_token_marks_needs_reconnect(settings, database, fake, base):
    state, provider = _setup(settings, database, fake, base)
    provider.refresh = "rt-other"  # the provider no longer knows ours → HTTP 400
    ctx = await state.contexts.load(1)
    with pytest.raises(HelpdeskError):
        await send(state, ctx, scenario="u", method="GET", url=f"{base}/api/me")
    await state.aclose()
    with database.session() as session:
        assert session.get(Integration, 1).status == "needs_reconnect"


@pytest.mark.parametrize(
    ("interval", "minutes_later", "refreshed"),
    [("", 26, True), ("", 20, False), ("5", 6, True), ("0", 600, False)],
    ids=["blank-is-25-due", "blank-not-due", "custom-due", "zero-never"],
)
@SQLITE_ONLY
async def test_scheduled_refresh(
    settings, database, fake, base, interval, minutes_later, refreshed
):
    """A6: interval blank = 25 minutes, 0 = never."""
    state, _ = _setup(settings, database, fake, base, interval=interval)
    done = await refresh_due(
        state.database, state.contexts, state.tokens, time.time() + minutes_later * 60
    )
    await state.aclose()
    assert (done == [1]) is refreshed
    assert len(fake.paths("/oauth/token")) == (1 if refreshed else 0)
    with database.session() as session:
        secrets = state.crypto.decrypt(session.get(Integration, 1).secrets)
    assert secrets["RefreshToken"] == ("rt-1" if refreshed else "rt-0")


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True
)
async def test_a_refresh_finishing_between_read_and_claim_is_not_repeated(
    settings, database, fake, base
):
    """A6/A8 across processes (issue 12 soak): process B reads the tokens, process A then
    refreshes and gives the lease back, B takes the lease. B must use A's new token, not
    refresh again with the rotated refresh token (the helpdesk refuses it as used, and the
    integration would be marked needs_reconnect although nothing is wrong)."""
    from sqlalchemy import event as sa_event

    state_a, _ = _setup(settings, database, fake, base)
    state_b = make_state(settings, database)
    ctx_a = await state_a.contexts.load(1)
    ctx_b = await state_b.contexts.load(1)
    loop = asyncio.get_running_loop()
    raced: list[str] = []

    def before_claim(_conn, _cursor, statement, _params, _context, _many):
        if raced or "refresh_holder" not in statement or not statement.startswith("UPDATE"):
            return
        raced.append("A refreshed between B's read and B's claim")
        done = asyncio.run_coroutine_threadsafe(
            state_a.tokens.refresh(ctx_a, stale_access="at-stale", reason="test"), loop
        )
        done.result(timeout=30)

    sa_event.listen(state_b.database.engine, "before_cursor_execute", before_claim)
    token = await state_b.tokens.refresh(ctx_b, stale_access="at-stale", reason="test")
    await state_a.aclose()
    await state_b.aclose()
    assert raced
    assert token == "at-1"
    assert len(fake.paths("/oauth/token")) == 1
    with database.session() as session:
        assert session.get(Integration, 1).status == "connected"
