"""Fuzzing the call-event parsers: any body in, call events or an EventFormatError out.

The signed webhook (`parse_event`), the Yeastar envelope (`yeastar.parse`) and the AMI
tracker (`AmiCallTracker.feed`) read what a PBX — or whoever holds the webhook secret —
sends. Bodies are valid events with fields replaced by arbitrary JSON, arbitrary JSON,
JSON nested near the depth limit, and raw bytes; over the app, every such signed body is
answered 200 or 422, never 500. `RINGDESK_FUZZ=deep` runs 10,000+ examples (tests/fuzzing.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import event, given, settings
from hypothesis import strategies as st

from ringdesk.api.app import create_app
from ringdesk.errors import EventFormatError
from ringdesk.events import yeastar
from ringdesk.events.ami import AmiCallTracker
from ringdesk.events.model import CallEvent
from ringdesk.events.webhook import MAX_JSON_DEPTH, parse_event
from ringdesk.testing import (
    ami_call_script,
    call_event,
    signed_headers,
    yeastar_call_state,
    yeastar_cdr,
)
from tests.fuzzing import PROFILE

pytestmark = pytest.mark.fuzz
FUZZ = settings(settings.get_profile(PROFILE))
SECRET = "test-webhook-secret"  # the `settings` fixture's webhook secret
NOW = 1732521600.0

KEYS = st.sampled_from(
    [
        "type", "call_id", "direction", "from", "to", "number", "name", "extension",
        "timestamp", "status", "talk_seconds", "ring_seconds", "recording_url", "queue",
        "agents_rung", "answered_by", "msg", "members", "inbound", "outbound", "member_status",
        "call_from", "call_to", "time_start", "call_duration", "talk_duration", "sn", "",
    ]
) | st.text(max_size=6)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**80), 2**80)
    | st.floats()
    | st.sampled_from([1e23, -1, 0, 4_102_444_800, 2**63, "1e23", "NaN", "", "0"])
    | st.text(max_size=12)
    | st.sampled_from(["call.ended", "call.ringing", "inbound", "ANSWERED", "RING", "ANSWER"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=15,
)


def _dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=True)  # NaN/Infinity: Python reads them back


@st.composite
def changed(draw: Any, base: dict[str, Any]) -> dict[str, Any]:
    """`base` with some fields replaced, removed or added (nested ones too)."""
    out = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 3))):
        target = out
        if draw(st.booleans()):
            nested = [k for k, v in out.items() if isinstance(v, dict)]
            if nested:
                target = out[draw(st.sampled_from(nested))]
        keys = sorted(target)
        action = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
        if action == "add" or not keys:
            target[draw(KEYS)] = draw(JSON)
        elif action == "remove":
            del target[draw(st.sampled_from(keys))]
        else:
            target[draw(st.sampled_from(keys))] = draw(JSON)
    return out


@st.composite
def nested(draw: Any) -> str:
    """JSON nested around the depth limit, brackets inside strings included."""
    depth = draw(st.integers(MAX_JSON_DEPTH - 3, MAX_JSON_DEPTH + 3))
    inner = _dumps(draw(SCALARS))
    if draw(st.booleans()):
        inner = '"' + "[" * draw(st.integers(0, 50)) + '"'
    return '{"type":"call.ended","x":' + "[" * depth + inner + "]" * depth + "}"


def _webhook_events() -> Any:
    samples = [call_event(), call_event("call.ended"), call_event("call.answered")]
    return st.sampled_from(samples).flatmap(changed)


WEBHOOK_BODIES = (
    _webhook_events().map(_dumps)
    | _webhook_events().map(_dumps)
    | JSON.map(_dumps)
    | nested()
    | st.text(max_size=60)
    | st.binary(max_size=60)
)


def _yeastar_envelopes() -> Any:
    members = [{"inbound": {"from": "+4930123456", "to": "1", "member_status": "ALERT"}}]
    members.append({"extension": {"number": "1001", "member_status": "RING"}})
    envelopes = [yeastar_call_state("c1", members), yeastar_cdr("c2")]

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        envelope = dict(draw(st.sampled_from(envelopes)))
        msg = json.loads(envelope["msg"])
        if draw(st.booleans()):
            msg = draw(changed(msg))
        members = msg.get("members")
        # members[0] may have been replaced by `changed` already: only a dict is changed
        first = members[0] if isinstance(members, list) and members else None
        if isinstance(first, dict) and draw(st.booleans()):
            members[0] = draw(changed(first))
        envelope["msg"] = draw(st.sampled_from([_dumps, lambda m: m]))(msg)
        if draw(st.integers(0, 4)) == 0:
            envelope = draw(changed(envelope))
        return envelope

    return build()


YEASTAR_BODIES = (
    _yeastar_envelopes().map(_dumps) | JSON.map(_dumps) | nested() | st.binary(max_size=60)
)


def _check_refusal(exc: EventFormatError) -> None:
    """A refusal names each field at fault and why."""
    event("refused")
    assert exc.problems
    assert all(p["field"] and p["message"] for p in exc.problems)


def _webhook(body: str | bytes) -> None:
    try:
        parsed = parse_event(body)
    except EventFormatError as exc:
        _check_refusal(exc)
        return
    event("accepted")
    assert isinstance(parsed, CallEvent)


def _yeastar(body: str | bytes) -> None:
    try:
        events = yeastar.parse(body, now=NOW, tz="Europe/Berlin")
    except EventFormatError as exc:
        _check_refusal(exc)
        return
    event(f"{len(events)} event(s)")
    assert all(isinstance(e, CallEvent) for e in events)


@FUZZ
@given(WEBHOOK_BODIES)
def test_webhook_parser_refuses_with_named_fields_only(body):
    """covers I1 (issue 14, fuzzing): a call event or an EventFormatError naming fields."""
    _webhook(body)


@FUZZ
@given(YEASTAR_BODIES)
def test_yeastar_parser_refuses_with_named_fields_only(body):
    """covers I2 (issue 14, fuzzing): zero or more call events, or an EventFormatError."""
    _yeastar(body)


# The parsers run before any database work; one database is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_signed_bodies_over_the_app_are_200_or_422(settings):
    """covers I1, I2 (issue 14: nothing is a 500): the same bodies, signed, posted to both
    event endpoints of the real app."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:

        @FUZZ
        @given(st.sampled_from(["/api/v1/events", "/api/v1/events/yeastar"]), WEBHOOK_BODIES)
        def post(route: str, body: str | bytes) -> None:
            raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
            response = client.post(route, content=raw, headers=signed_headers(raw, SECRET))
            event(f"{route} {response.status_code}")
            assert response.status_code in (200, 422), response.text[:300]
            if response.status_code == 422:
                assert response.json()["detail"]

        post()


AMI_NAMES = st.sampled_from(
    ["Newchannel", "DialBegin", "BridgeEnter", "Hangup", "Cdr", "Newstate", "newchannel", ""]
)
AMI_VALUES = st.text(max_size=12) | st.sampled_from(
    ["1732521600.42", "PJSIP/1001-00000001", "ANSWERED", "NO ANSWER", "-5", "99999999999999999999"]
)


@st.composite
def ami_scripts(draw: Any) -> list[dict[str, str]]:
    script = [dict(e) for e in ami_call_script(answered=draw(st.booleans()))]
    for _ in range(draw(st.integers(0, 6))):
        action = draw(st.sampled_from(["change", "drop", "insert", "swap"]))
        at = draw(st.integers(0, len(script) - 1)) if script else 0
        if action == "change" and script:
            fields = script[at]
            key = draw(st.sampled_from(sorted(fields)) | st.text(max_size=8))
            fields[key] = draw(AMI_NAMES if key == "Event" else AMI_VALUES)
        elif action == "drop" and script:
            script.pop(at)
        elif action == "insert":
            extra = draw(st.dictionaries(st.text(max_size=8), AMI_VALUES, max_size=5))
            extra["Event"] = draw(AMI_NAMES)
            script.insert(at, extra)
        elif script:
            other = draw(st.integers(0, len(script) - 1))
            script[at], script[other] = script[other], script[at]
    return script


@FUZZ
@given(ami_scripts())
def test_ami_tracker_never_raises(script):
    """covers I2 (issue 14, fuzzing): any sequence of AMI events (fields as panoramisk
    hands them over, all text) gives call events, never an exception."""
    tracker = AmiCallTracker()
    produced = [e for fields in script for e in tracker.feed(fields, now=NOW)]
    event(f"{len(produced)} event(s)")
    assert all(isinstance(e, CallEvent) for e in produced)
