"""`GET /api/v1/dashboard` (issue 16): calls from events posted through the API, the
screen-pop histogram's quantiles, integrations' token state; and the quantile estimators."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram

from ringdesk.api.routes.dashboard import histogram_buckets, histogram_quantile, quantile
from ringdesk.testing import call_event, signed_headers

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
INF = math.inf


# ---- quantiles -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 0.5, None),
        ([7.0], 0.99, 7.0),
        ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5),
        ([4.0, 1.0, 3.0, 2.0], 0.0, 1.0),
        ([10.0, 20.0], 0.95, 19.5),
    ],
    ids=["empty", "one", "median-between", "unsorted-min", "p95"],
)
def test_quantile(values, q, expected):
    assert quantile(values, q) == expected


@pytest.mark.parametrize(
    ("buckets", "q", "expected"),
    [
        ([(0.1, 0), (1.0, 0), (INF, 0)], 0.5, None),
        ([(0.1, 10), (1.0, 10), (INF, 10)], 0.5, 0.05),  # all ≤ 0.1: halfway into [0, 0.1]
        ([(0.1, 0), (1.0, 4), (INF, 4)], 0.5, 0.55),  # all in (0.1, 1]: halfway
        ([(0.1, 2), (1.0, 2), (INF, 4)], 0.99, 1.0),  # in +inf: the last finite bound
        ([(0.05, 1), (0.1, 3), (0.25, 4), (INF, 4)], 0.5, 0.075),
    ],
    ids=["nothing", "first-bucket", "middle-bucket", "overflow", "interpolated"],
)
def test_histogram_quantile(buckets, q, expected):
    result = histogram_quantile(q, buckets)
    assert result == (None if expected is None else pytest.approx(expected))


BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)


@given(
    st.lists(st.floats(min_value=0.0, max_value=29.0), min_size=1, max_size=200),
    st.floats(min_value=0.01, max_value=0.99),
)
def test_histogram_quantile_lies_in_the_bucket_of_the_true_quantile(samples, q):
    """Through a real prometheus_client histogram: the estimate is inside the bucket that
    holds the sample of rank ⌈q·n⌉ (the most a bucketed histogram can promise)."""
    histogram = Histogram("h", "h", buckets=BOUNDS, registry=CollectorRegistry())
    for sample in samples:
        histogram.observe(sample)
    estimate = histogram_quantile(q, histogram_buckets(histogram))
    assert estimate is not None
    ranked = sorted(samples)[max(0, math.ceil(q * len(samples)) - 1)]
    upper = next(b for b in BOUNDS if ranked <= b)
    lower = max([0.0, *(b for b in BOUNDS if b < upper)])
    assert lower <= estimate <= upper


@given(st.lists(st.floats(min_value=0.0, max_value=100.0), min_size=1, max_size=50))
def test_histogram_quantile_grows_with_q(samples):
    histogram = Histogram("h", "h", buckets=BOUNDS, registry=CollectorRegistry())
    for sample in samples:
        histogram.observe(sample)
    buckets = histogram_buckets(histogram)
    estimates = [histogram_quantile(q / 20, buckets) for q in range(1, 20)]
    assert estimates == sorted(estimates)


# ---- the route ------------------------------------------------------------------------------


def _post(client, event: dict) -> None:
    body = json.dumps(event).encode()
    response = client.post(
        "/api/v1/events", content=body, headers=signed_headers(body, "test-webhook-secret")
    )
    assert response.status_code == 200, response.text


@SQLITE_ONLY
def test_dashboard_needs_the_admin_token(client):
    assert client.get("/api/v1/dashboard").status_code == 401


@SQLITE_ONLY
@pytest.mark.parametrize("hours", ["0", "169", "x"], ids=["zero", "over-a-week", "text"])
def test_dashboard_refuses_bad_hours(admin, hours):
    response = admin.get(f"/api/v1/dashboard?hours={hours}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "hours"]


def test_dashboard_counts_posted_calls_and_reads_the_pop_histogram(admin, services):
    # covers I8 (the dashboard reads the same metrics /metrics exports)
    _post(admin, call_event("call.ringing", "c-1"))
    _post(admin, call_event("call.ended", "c-1"))
    _post(admin, call_event("call.ringing", "c-2"))
    _post(admin, call_event("call.ended", "c-2", status="missed", talk_seconds=0))
    _post(admin, call_event("call.ringing", "c-3"))
    for seconds in (0.02, 0.03, 0.07, 0.2, 4.0):
        services.metrics.screen_pop_latency.observe(seconds)

    body = admin.get("/api/v1/dashboard?hours=6").json()
    assert body["hours"] == 6
    assert len(body["buckets"]) == 6
    assert body["buckets"] == sorted(body["buckets"])
    assert all(b % 3600 == 0 for b in body["buckets"])
    calls = body["calls"]
    assert calls["total"] == 3
    assert (calls["answered"][-1], calls["missed"][-1], calls["open"][-1]) == (1, 1, 1)
    assert sum(calls["answered"][:-1] + calls["missed"][:-1] + calls["open"][:-1]) == 0

    pops = body["screen_pops"]
    assert pops["scope"] == "process"
    assert pops["published"] == 5
    assert [b["count"] for b in pops["buckets"]][:3] == [2, 1, 1]
    assert pops["buckets"][-1]["le"] is None
    # rank 2.5 of 5: in (0.05, 0.1], which holds the 3rd pop: 50 + 50 × 0.5 / 1 ms
    assert pops["p50_ms"] == 75.0
    assert pops["p99_ms"] == pytest.approx(4900.0, abs=0.1)  # rank 4.95 in (3, 5]
    assert body["deliveries"]["now"] == {}
    assert body["helpdesks"] == []


@SQLITE_ONLY
def test_dashboard_lists_every_integration_with_its_token_state(admin):
    created = admin.post(
        "/api/v1/integrations",
        json={
            "template_id": "demo",
            "name": "Demo desk",
            "fields": {"base_url": "http://127.0.0.1:9", "api_token": "t"},
        },
    )
    assert created.status_code == 201, created.text
    body = admin.get("/api/v1/dashboard").json()
    [state] = body["integrations"]
    assert state["name"] == "Demo desk"
    assert state["status"] == "disconnected"
    assert state["auth_method"] == "bearer"
    assert state["token_expires_at"] is None
    [helpdesk] = body["helpdesks"]
    assert helpdesk["name"] == "Demo desk"
    assert helpdesk["total_requests"] == 0
    assert helpdesk["p50_ms"] == [None] * 24
    assert helpdesk["total_error_rate"] is None
