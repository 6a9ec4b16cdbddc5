"""REST: user sync, listing, manual and automatic association (U1–U5), against the demo
helpdesk over real sockets."""

from __future__ import annotations

import httpx
import pytest

from ringdesk.demo.app import DEFAULT_API_TOKEN, create_demo_app
from ringdesk.store.tables import Extension, Integration
from tests.live import serve_app


@pytest.fixture
def demo():
    with serve_app(create_demo_app()) as base:
        yield base


def make_integration(admin, database, base: str) -> int:
    response = admin.post(
        "/api/v1/integrations",
        json={
            "template_id": "demo",
            "name": "Demo desk",
            "fields": {"base_url": base, "api_token": DEFAULT_API_TOKEN},
            "options": {"default_region": "DE"},
        },
    )
    assert response.status_code == 201, response.text
    integration_id = response.json()["id"]
    with database.session() as session:  # connecting is the integrations flow's concern
        session.get(Integration, integration_id).status = "connected"
    return integration_id


def test_sync_list_associate(admin, database, demo):
    """covers U1–U5: sync pages the demo's users, they are listed, associated by hand and
    by email."""
    integration_id = make_integration(admin, database, demo)
    synced = admin.post(f"/api/v1/integrations/{integration_id}/users/sync")
    assert synced.status_code == 200, synced.text
    body = synced.json()
    assert set(body) == {"requests", "users", "capped"}
    assert body["users"] >= 4
    assert body["requests"] >= 2  # the demo's cursor pages hold two users
    assert body["capped"] is False

    users = admin.get(f"/api/v1/integrations/{integration_id}/users").json()
    assert len(users) == body["users"]
    alice = next(u for u in users if u["email"] == "alice@example.com")
    bob = next(u for u in users if u["email"] == "bob@example.com")
    assert alice["extension"] is None

    put = admin.put(
        f"/api/v1/integrations/{integration_id}/users/{bob['user_id']}/extension",
        json={"extension": "1002"},
    )
    assert put.json()["extension"] == "1002"

    with database.session() as session:
        session.add(Extension(number="1001", name="Front", email="ALICE@example.com"))
    auto = admin.post(f"/api/v1/integrations/{integration_id}/users/auto-associate").json()
    assert auto == {"associated": [{"user_id": alice["user_id"], "extension": "1001"}]}

    cleared = admin.put(
        f"/api/v1/integrations/{integration_id}/users/{bob['user_id']}/extension", json=None
    )
    assert cleared.json()["extension"] is None
    listed = {
        u["user_id"]: u["extension"]
        for u in admin.get(f"/api/v1/integrations/{integration_id}/users").json()
    }
    assert listed[alice["user_id"]] == "1001"
    assert listed[bob["user_id"]] is None


def test_errors(admin, client, database, demo):
    integration_id = make_integration(admin, database, demo)
    assert admin.get("/api/v1/integrations/999/users").status_code == 404
    assert admin.post("/api/v1/integrations/999/users/sync").status_code == 404
    missing = admin.put(
        f"/api/v1/integrations/{integration_id}/users/nobody/extension", json={"extension": "1"}
    )
    assert missing.status_code == 404
    del client.headers["Authorization"]
    assert client.get(f"/api/v1/integrations/{integration_id}/users").status_code == 401


def test_helpdesk_failure_is_502(admin, database, demo):
    integration_id = make_integration(admin, database, demo)
    httpx.post(f"{demo}/_demo/faults", json={"status": 400, "count": 1})  # not retried
    response = admin.post(f"/api/v1/integrations/{integration_id}/users/sync")
    assert response.status_code == 502
    assert DEFAULT_API_TOKEN not in response.text
