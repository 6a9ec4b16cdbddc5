"""GET /metrics and /api/v1/metrics: Prometheus text (I8)."""

from __future__ import annotations

import httpx
import pytest

from ringdesk.api.app import create_app
from ringdesk.store.tables import Integration, OutboxJob, TemplateRow
from tests.live import serve_app

NAMES = (
    "ringdesk_helpdesk_requests",
    "ringdesk_outbox_depth",
    "ringdesk_outbox_oldest_age_seconds",
    "ringdesk_screen_pop_latency_seconds",
    "ringdesk_token_refresh_failures",
)


def _add_jobs(database, now):
    with database.session() as session:
        session.add(TemplateRow(id="t-metrics", name="T", xml="<x/>"))
        session.flush()
        integration = Integration(template_id="t-metrics", name="I")
        session.add(integration)
        session.flush()
        for i, (status, created) in enumerate(
            [("pending", now - 120), ("pending", now - 30), ("failed", now - 5), ("done", 0)]
        ):
            session.add(
                OutboxJob(
                    kind="call_log",
                    integration_id=integration.id,
                    idempotency_key=f"k{i}",
                    payload={},
                    status=status,
                    created_at=created,
                )
            )


@pytest.mark.parametrize("path", ["/metrics", "/api/v1/metrics"])
def test_allowed_network_scrapes_without_token(settings, database, path):
    """A client in RINGDESK_METRICS_ALLOW reads the metrics without a token; outbox gauges
    come from the table (covers I8)."""
    import time

    _add_jobs(database, time.time())
    app = create_app(settings.model_copy(update={"metrics_allow": ["127.0.0.0/8"]}))
    with serve_app(app) as url:
        response = httpx.get(url + path, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for name in NAMES:
        assert f"# TYPE {name}" in text, name
    assert 'ringdesk_outbox_depth{status="pending"} 2.0' in text
    assert 'ringdesk_outbox_depth{status="failed"} 1.0' in text
    age = next(
        line for line in text.splitlines() if line.startswith("ringdesk_outbox_oldest_age_seconds ")
    )
    assert float(age.split()[1]) >= 120


@pytest.mark.parametrize("path", ["/metrics", "/api/v1/metrics"])
def test_loopback_is_no_exception_by_default(settings, admin_token, path):
    """Issue 14 #8: behind a reverse proxy every client is loopback, so loopback alone opens
    nothing; the admin token does (RINGDESK_METRICS_ALLOW is empty by default)."""
    app = create_app(settings)
    with serve_app(app) as url:
        refused = httpx.get(url + path, timeout=10)
        allowed = httpx.get(
            url + path, headers={"Authorization": f"Bearer {admin_token}"}, timeout=10
        )
    assert refused.status_code == 401
    assert allowed.status_code == 200


@pytest.mark.parametrize(
    ("value", "networks"),
    [
        ("", []),
        ("127.0.0.1/32, 10.0.5.0/24", ["127.0.0.1/32", "10.0.5.0/24"]),
        ('["::1/128"]', ["::1/128"]),
    ],
    ids=["empty", "comma-separated", "json"],
)
def test_metrics_allow_setting(monkeypatch, value, networks):
    from ringdesk.config import Settings

    monkeypatch.setenv("RINGDESK_METRICS_ALLOW", value)
    assert Settings().metrics_allow == networks


def test_metrics_allow_refuses_a_non_network(monkeypatch):
    from pydantic import ValidationError

    from ringdesk.config import Settings

    monkeypatch.setenv("RINGDESK_METRICS_ALLOW", "10.0.0.0/8,intranet")
    with pytest.raises(ValidationError, match="'intranet' is not a network"):
        Settings()


def test_remote_scrape_needs_admin_token(client, admin_token):
    """A non-loopback client (the test client) needs the admin token (covers I8)."""
    assert client.get("/metrics").status_code == 401
    response = client.get("/metrics", headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 200
    assert "ringdesk_outbox_depth" in response.text


def test_each_app_has_its_own_registry():
    """Two apps in one process never share (or collide on) metrics."""
    from ringdesk.metrics import Metrics

    a, b = Metrics(), Metrics()
    a.helpdesk_requests.labels(helpdesk="demo", status="200").inc()
    assert 'helpdesk="demo"' in a.render().decode()
    assert 'helpdesk="demo"' not in b.render().decode()
