"""The JSON webhook's pure core: signatures and parsing (I2)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringdesk.events.webhook import EventFormatError, parse_event, sign, verify
from ringdesk.testing import call_event

SECRET = "s3cret"


def test_sign_then_verify_accepts():
    """A body signed with the secret verifies (covers I2)."""
    body = b'{"a":1}'
    assert verify(body, sign(body, SECRET), SECRET)


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        (None, False),
        ("", False),
        ("sha256=00", False),
        ("sha1=" + "0" * 40, False),
        (sign(b'{"a":2}', SECRET), False),
        (sign(b'{"a":1}', "other"), False),
        (sign(b'{"a":1}', SECRET), True),
    ],
    ids=["missing", "empty", "short", "wrong-algo", "other-body", "other-key", "good"],
)
def test_verify_table(header, ok):
    """Only the exact HMAC of the exact body with the exact key verifies (covers I2)."""
    assert verify(b'{"a":1}', header, SECRET) is ok


@given(st.binary(max_size=200))
def test_any_body_round_trips(body):
    """Signing then verifying any bytes succeeds."""
    assert verify(body, sign(body, SECRET), SECRET)


def test_parse_keeps_unknown_fields():
    """Unknown fields are kept, not refused (api.md)."""
    event = parse_event(json.dumps(call_event(pbx_serial="X1")).encode())
    assert event.model_extra == {"pbx_serial": "X1"}
    assert event.as_payload()["pbx_serial"] == "X1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1]", "body"),
        (json.dumps(call_event(type="call.held")).encode(), "type"),
        (json.dumps({**call_event(), "call_id": ""}).encode(), "call_id"),
        (
            json.dumps({k: v for k, v in call_event().items() if k != "timestamp"}).encode(),
            "timestamp",
        ),
        (json.dumps(call_event(direction="sideways")).encode(), "direction"),
        (json.dumps(call_event(**{"from": {"number": 5}})).encode(), "from.number"),
        (json.dumps(call_event("call.ended", talk_seconds=-1)).encode(), "talk_seconds"),
        (json.dumps(call_event("call.ended", status="lost")).encode(), "status"),
    ],
    ids=[
        "not-json",
        "not-object",
        "type",
        "call_id",
        "timestamp",
        "direction",
        "from",
        "talk",
        "status",
    ],
)
def test_parse_names_the_field_at_fault(body, field):
    """Malformed events raise an error naming the field (covers I2)."""
    with pytest.raises(EventFormatError) as info:
        parse_event(body)
    assert field in [p["field"] for p in info.value.problems]
