"""REST settings (issue 16): the PBX webhook URLs and the webhook secret — masked, shown once
when rotated, rotated into `DATA_DIR/webhook.key` unless the environment sets it (I2)."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ringdesk.api.app import create_app
from ringdesk.api.routes.settings import CURL_EXAMPLE
from ringdesk.config import Settings
from ringdesk.events.yeastar import url_token
from ringdesk.testing import call_event, signed_headers
from tests.services import test_services

DOCS = Path(__file__).resolve().parents[2] / "docs"
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def file_secret_admin(settings, admin_token) -> Iterator[tuple[TestClient, Settings]]:
    """An admin client of an app whose webhook secret lives in the key file, and its
    settings."""
    own = settings.model_copy(update={"webhook_secret": None})
    with TestClient(create_app(services=test_services(own))) as client:
        client.headers["Authorization"] = f"Bearer {admin_token}"
        yield client, own


def _event(client: TestClient, secret: str, call_id: str) -> int:
    body = json.dumps(call_event(call_id=call_id)).encode()
    return client.post(
        "/api/v1/events", content=body, headers=signed_headers(body, secret)
    ).status_code


@SQLITE_ONLY
def test_settings_need_the_admin_token(client):
    assert client.get("/api/v1/settings/webhook").status_code == 401
    assert client.post("/api/v1/settings/webhook/rotate").status_code == 401


@SQLITE_ONLY
def test_a_secret_from_the_environment_is_masked_and_not_rotated_here(admin, settings):
    view = admin.get("/api/v1/settings/webhook").json()
    secret = settings.webhook_secret
    assert view["secret_source"] == "environment"
    assert view["secret_hint"] == "…" + secret[-4:]
    assert view["rotatable"] is False
    assert view["key_file"] is None
    assert view["secret"] is None
    assert view["webhook_url"] == "http://127.0.0.1:8080/api/v1/events"
    assert view["yeastar_url"] == (
        f"http://127.0.0.1:8080/api/v1/events/yeastar?token={url_token(secret)}"
    )
    assert secret not in json.dumps({k: v for k, v in view.items() if k != "yeastar_url"})
    refused = admin.post("/api/v1/settings/webhook/rotate")
    assert refused.status_code == 409
    assert "RINGDESK_WEBHOOK_SECRET" in refused.json()["detail"]


@SQLITE_ONLY
def test_rotation_writes_a_new_key_file_and_shows_the_secret_once(file_secret_admin):
    client, own = file_secret_admin
    key_file = own.webhook_key_path
    before = client.get("/api/v1/settings/webhook").json()
    assert before["secret_source"] == "none"
    assert before["yeastar_url"] == ""
    assert not key_file.exists(), "reading the settings must not create the secret"

    first = client.post("/api/v1/settings/webhook/rotate").json()["secret"]
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _event(client, first, "c-1") == 200

    rotated = client.post("/api/v1/settings/webhook/rotate")
    assert rotated.status_code == 200
    second = rotated.json()["secret"]
    assert second != first
    assert rotated.json()["yeastar_url"].endswith(f"token={url_token(second)}")
    # The new secret works at once, the old one no longer.
    assert _event(client, first, "c-2") == 401
    assert _event(client, second, "c-3") == 200

    after = client.get("/api/v1/settings/webhook").json()
    assert after["secret"] is None
    assert after["secret_source"] == "file"
    assert after["secret_hint"] == "…" + second[-4:]
    assert second not in json.dumps({k: v for k, v in after.items() if k != "yeastar_url"})


def test_the_curl_example_is_the_documented_one():
    """The settings page shows the docs' curl example (run by tests/docs) unchanged."""
    page = (DOCS / "pbx" / "webhook.md").read_text()
    block = re.search(r'```sh title="send_event.sh"\n(.*?)```', page, re.S)
    assert block
    assert block[1] == CURL_EXAMPLE
