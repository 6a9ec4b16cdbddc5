"""POST /api/v1/events and /api/v1/events/yeastar over the app (I2)."""

from __future__ import annotations

import json

from sqlalchemy import select

from ringdesk.events.webhook import SIGNATURE_HEADER, sign
from ringdesk.events.yeastar import url_token
from ringdesk.store.tables import CallEventRow
from ringdesk.testing import call_event, signed_headers, yeastar_call_state, yeastar_cdr

SECRET = "test-webhook-secret"  # the `settings` fixture's webhook secret


def _post(client, body: dict | bytes, headers=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        "/api/v1/events", content=raw, headers=headers or signed_headers(raw, SECRET)
    )


def _rows(database):
    with database.session() as session:
        return list(session.scalars(select(CallEventRow).order_by(CallEventRow.id)))


def test_signed_event_is_stored(client, database):
    """A correctly signed event is stored before it is acknowledged (covers I2)."""
    response = _post(client, call_event("call.ringing", "c-1", extra_field="kept"))
    assert response.status_code == 200
    assert response.json() == {
        "accepted": True,
        "duplicate": False,
        "call_id": "c-1",
        "type": "call.ringing",
    }
    (row,) = _rows(database)
    assert (row.call_id, row.type, row.source) == ("c-1", "call.ringing", "webhook")
    assert row.payload["extra_field"] == "kept"
    assert row.payload["from"]["number"] == "+4930123456"


BAD_SIGNATURES = [
    {"Content-Type": "application/json"},
    {SIGNATURE_HEADER: "sha256=" + "0" * 64},
    {SIGNATURE_HEADER: sign(b"{}", SECRET)},
    {SIGNATURE_HEADER: sign(json.dumps(call_event()).encode(), "wrong")},
]


def test_bad_or_missing_signature_is_401(client, database):
    """Unsigned or wrongly signed events are refused and not stored (covers I2).

    One test over the table (missing, zeros, other body, other key): the database fixture
    dominates the run time."""
    for headers in BAD_SIGNATURES:
        response = _post(client, call_event(), headers=headers)
        assert response.status_code == 401, headers
    assert _rows(database) == []


def test_duplicate_is_processed_once(client, database):
    """The same call_id + type twice → one row, second answer says duplicate (covers I2)."""
    assert _post(client, call_event("call.ringing", "c-2")).json()["duplicate"] is False
    second = _post(client, call_event("call.ringing", "c-2", timestamp=1732521699))
    assert second.status_code == 200
    assert second.json()["duplicate"] is True
    assert _post(client, call_event("call.ended", "c-2")).json()["duplicate"] is False
    assert [(r.call_id, r.type) for r in _rows(database)] == [
        ("c-2", "call.ringing"),
        ("c-2", "call.ended"),
    ]


MALFORMED = [
    (call_event(type="call.parked"), "type"),
    ({k: v for k, v in call_event().items() if k != "call_id"}, "call_id"),
    (call_event(timestamp="yesterday"), "timestamp"),
    (call_event("call.ended", status="lost"), "status"),
    (b"{broken", "body"),
]


def test_malformed_event_is_422_naming_the_field(client, database):
    """Malformed events get 422 naming the field at fault, and are not stored (covers I2)."""
    for body, field in MALFORMED:
        response = _post(client, body)
        assert response.status_code == 422, field
        assert field in [p["field"] for p in response.json()["detail"]]
    assert _rows(database) == []


def test_oversized_body_is_413(client):
    """Bodies beyond the size limit are refused before parsing."""
    raw = json.dumps(call_event(padding="x" * 70_000)).encode()
    assert _post(client, raw).status_code == 413


def test_events_are_counted_in_metrics(client, services):
    """Accepted and duplicate events show in the call-events counter (covers I8)."""
    _post(client, call_event("call.ringing", "c-3"))
    _post(client, call_event("call.ringing", "c-3"))
    text = services.metrics.render().decode()
    assert (
        'ringdesk_call_events_total{outcome="accepted",source="webhook",type="call.ringing"} 1.0'
        in text
    )
    assert (
        'ringdesk_call_events_total{outcome="duplicate",source="webhook",type="call.ringing"} 1.0'
        in text
    )


def test_yeastar_with_url_token(client, database):
    """Yeastar 30011 + 30012 with ?token= are stored as ringing and ended (covers I2)."""
    members = [
        {"inbound": {"from": "+4930123456", "to": "5551000", "member_status": "ALERT"}},
        {"extension": {"number": "1001", "member_status": "RING"}},
    ]
    token = url_token(SECRET)
    for body in (yeastar_call_state("y-1", members), yeastar_cdr("y-1")):
        response = client.post(f"/api/v1/events/yeastar?token={token}", json=body)
        assert response.status_code == 200, response.text
    assert [(r.type, r.source) for r in _rows(database)] == [
        ("call.ringing", "yeastar"),
        ("call.ended", "yeastar"),
    ]
    assert _rows(database)[1].payload["status"] == "answered"


def test_yeastar_signed_and_refused(client, database):
    """Yeastar accepts the HMAC header too; no token and no signature is 401."""
    raw = json.dumps(yeastar_cdr("y-2")).encode()
    assert client.post("/api/v1/events/yeastar", content=raw).status_code == 401
    assert client.post("/api/v1/events/yeastar?token=nope", content=raw).status_code == 401
    ok = client.post("/api/v1/events/yeastar", content=raw, headers=signed_headers(raw, SECRET))
    assert ok.json() == {"events": [{"call_id": "y-2", "type": "call.ended", "duplicate": False}]}
    bad = json.dumps(yeastar_cdr("y-3", status="LOST")).encode()
    response = client.post(
        "/api/v1/events/yeastar", content=bad, headers=signed_headers(bad, SECRET)
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "msg.status"
