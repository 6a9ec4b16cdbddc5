"""Jobs held for authentication go out as soon as authentication works again (A8, issue 12
item 2): a successful token refresh and a successful (re)connect make the integration's
held jobs due at once, not after their backoff of up to minutes."""

from __future__ import annotations

import time

import pytest
from tests.auth.test_refresh import _setup
from tests.integrations.support import (
    FakeHelpdesk,
    add_integration,
    insert_template,
    make_state,
    template_xml,
)
from tests.live import serve_app

from ringdesk.flows.connect import connect
from ringdesk.store.outbox import enqueue
from ringdesk.store.tables import OutboxJob

HOUR = 3600.0


@pytest.fixture
def fake():
    return FakeHelpdesk()


@pytest.fixture
def base(fake):
    with serve_app(fake.app()) as url:
        yield url


def _job(state, integration_id: int, key: str, *, error: str | None, due: float) -> int:
    with state.database.session() as session:
        enqueue(
            session,
            kind="call_log",
            integration_id=integration_id,
            call_id=key,
            idempotency_key=key,
            payload={},
            now=time.time(),
            due=due,
        )
        session.flush()
        job = session.query(OutboxJob).filter_by(idempotency_key=key).one()
        job.last_error = error
        return job.id


def _due(state) -> dict[str, float]:
    with state.database.session() as session:
        return {j.idempotency_key: j.next_attempt_at for j in session.query(OutboxJob)}


def _jobs(state, integration_id: int, other: int) -> None:
    later = time.time() + HOUR
    _job(state, integration_id, "held", error="waiting for authentication: HTTP 401", due=later)
    _job(
        state, integration_id, "reconnect", error="waiting: integration needs_reconnect", due=later
    )
    _job(state, integration_id, "backoff", error="HTTP 503 Service Unavailable", due=later)
    _job(state, other, "other", error="waiting for authentication: HTTP 401", due=later)


def _released(state, started: float) -> set[str]:
    return {key for key, due in _due(state).items() if due < started + 60}


async def test_a_refresh_releases_the_integrations_held_jobs(settings, database, fake, base):
    """covers A8: the refresh succeeds → this integration's jobs waiting for authentication
    are due now; a job backing off for another reason, and another integration's, wait."""
    state, _ = _setup(settings, database, fake, base)
    other = add_integration(state, "oa", fields={"client_id": "c", "client_secret": "s"})
    _jobs(state, 1, other)
    started = time.time()
    ctx = await state.contexts.load(1)
    assert await state.tokens.refresh(ctx, stale_access="at-stale", reason="test") == "at-1"
    await state.aclose()
    assert _released(state, started) == {"held", "reconnect"}


async def test_a_failed_refresh_releases_nothing(settings, database, fake, base):
    state, provider = _setup(settings, database, fake, base)
    provider.refresh = "rt-other"  # ours is refused: invalid_grant
    _jobs(state, 1, add_integration(state, "oa", fields={"client_id": "c"}))
    started = time.time()
    ctx = await state.contexts.load(1)
    with pytest.raises(Exception, match="token refresh failed"):
        await state.tokens.refresh(ctx, stale_access="at-stale", reason="test")
    await state.aclose()
    assert _released(state, started) == set()


async def test_reconnecting_releases_the_integrations_held_jobs(settings, database):
    """covers A8: connecting again (here a template without OAuth2; the OAuth2 callback ends
    in the same step) makes the held jobs due now."""
    insert_template(database, "plain", template_xml(method="none"))
    state = make_state(settings, database)
    integration_id = add_integration(state, "plain", status="needs_reconnect")
    other = add_integration(state, "plain", status="needs_reconnect")
    _jobs(state, integration_id, other)
    started = time.time()
    assert await connect(state, integration_id) == {"status": "connected"}
    await state.aclose()
    assert _released(state, started) == {"held", "reconnect"}
