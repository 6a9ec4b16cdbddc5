"""The template console holds no database transaction while the helpdesk answers (issue 12
item 0): a slow helpdesk must not leave a PostgreSQL session idle in transaction."""

from __future__ import annotations

import httpx
import pytest

from ringdesk.demo.app import DEFAULT_API_TOKEN, create_demo_app
from tests.live import serve_app
from tests.pgactivity import IdleSampler

pytestmark = pytest.mark.pg


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_slow_console_run_leaves_no_transaction_open(admin, settings):
    with serve_app(create_demo_app()) as demo:
        httpx.post(f"{demo}/_demo/faults", json={"latency_ms": 1500}).raise_for_status()
        body = {
            "scenario": "contact-search",
            "fields": {"base_url": demo, "api_token": DEFAULT_API_TOKEN},
            "sample": {"phone": "+4930123456"},
        }
        with IdleSampler(settings.database_url) as sampler:
            response = admin.post("/api/v1/templates/demo/console", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["ok"] is True
    assert len(sampler.samples) >= 10
    assert sampler.longest < 0.5, sampler.summary()
