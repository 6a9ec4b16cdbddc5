"""Issue 14, medium 4 over the REST API: admin API tokens have names, may expire and can be
revoked; the list never shows a secret, and a token that expired or was revoked opens
nothing any more (they used to live for ever)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ringdesk.api.app import create_app
from ringdesk.store.admin import create_token
from tests.services import test_services

NOW = 1_800_000_000.0
DAY = 86_400.0


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = NOW

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def api(settings):
    clock = Clock()
    services = test_services(settings, clock=clock)
    with services.database.session() as session:
        root = create_token(session, "root")
    with TestClient(create_app(services=services)) as client:
        client.headers["Authorization"] = f"Bearer {root}"
        yield client, clock


def _status(client: TestClient, token: str) -> int:
    return client.get("/api/v1/outbox", headers={"Authorization": f"Bearer {token}"}).status_code


def test_tokens_are_named_listed_without_secrets_and_revocable(api):
    """covers A9 (issue 14 medium 4): create → works; revoke → 401 at once, listed as
    revoked; the secret is in the creation answer only."""
    client, _ = api
    created = client.post("/api/v1/admin/tokens", json={"name": "backup script"})
    assert created.status_code == 201, created.text
    body = created.json()
    secret, token_id = body["token"], body["id"]
    assert (body["name"], body["state"], body["expires_at"]) == ("backup script", "active", None)
    assert _status(client, secret) == 200
    listed = client.get("/api/v1/admin/tokens")
    assert secret not in listed.text
    assert all("token" not in row and "hash" not in str(row) for row in listed.json())
    assert client.delete(f"/api/v1/admin/tokens/{token_id}").status_code == 204
    assert _status(client, secret) == 401
    (row,) = [r for r in client.get("/api/v1/admin/tokens").json() if r["id"] == token_id]
    assert row["state"] == "revoked"
    assert client.delete("/api/v1/admin/tokens/999999").status_code == 404


def test_tokens_expire(api):
    """covers A9 (issue 14 medium 4): `expires_days` ends a token's life by the clock."""
    client, clock = api
    created = client.post("/api/v1/admin/tokens", json={"name": "temp", "expires_days": 1})
    secret, token_id = created.json()["token"], created.json()["id"]
    assert created.json()["expires_at"] == NOW + DAY
    clock.t = NOW + DAY - 1
    assert _status(client, secret) == 200
    clock.t = NOW + DAY
    assert _status(client, secret) == 401
    (row,) = [r for r in client.get("/api/v1/admin/tokens").json() if r["id"] == token_id]
    assert row["state"] == "expired"


def test_a_script_revokes_its_own_token(api):
    """`DELETE /admin/tokens/current` (what `make run` does with its setup token)."""
    client, _ = api
    secret = client.post("/api/v1/admin/tokens", json={"name": "once"}).json()["token"]
    mine = {"Authorization": f"Bearer {secret}"}
    assert client.delete("/api/v1/admin/tokens/current", headers=mine).status_code == 204
    assert _status(client, secret) == 401


@pytest.mark.parametrize(
    "body", [{"name": ""}, {"name": "x", "expires_days": 0}, {"name": "x", "expires_days": 1e9}]
)
def test_bad_token_requests_are_422(api, body):
    client, _ = api
    assert client.post("/api/v1/admin/tokens", json=body).status_code == 422
