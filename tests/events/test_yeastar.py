"""Yeastar P-Series Open API events → call events (I2)."""

from __future__ import annotations

import json

import pytest

from ringdesk.errors import EventFormatError
from ringdesk.events import yeastar
from ringdesk.testing import yeastar_call_state, yeastar_cdr

NOW = 1732521600.0


def _inbound(status_trunk, *exts):
    members = [
        {
            "inbound": {
                "from": "+4930123456",
                "to": "5551000",
                "trunk_name": "sip1",
                "channel_id": "c1",
                "member_status": status_trunk,
            }
        }
    ]
    members += [
        {"extension": {"number": n, "channel_id": f"c{n}", "member_status": s}} for n, s in exts
    ]
    return members


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        (
            _inbound("ALERT", ("1001", "RING")),
            {
                "type": "call.ringing",
                "direction": "inbound",
                "extension": "1001",
                "from": "+4930123456",
                "agents_rung": ["1001"],
            },
        ),
        (
            _inbound("ALERT", ("1001", "RING"), ("1002", "RING")),
            {"type": "call.ringing", "direction": "inbound", "agents_rung": ["1001", "1002"]},
        ),
        (
            _inbound("ANSWERED", ("1001", "ANSWER")),
            {"type": "call.answered", "extension": "1001", "answered_by": "1001"},
        ),
        (
            _inbound("ANSWERED", ("1001", "BYE"), ("1002", "ANSWER")),
            {"type": "call.answered", "extension": "1002", "answered_by": "1002"},
        ),
        (
            [
                {"extension": {"number": "1002", "member_status": "ALERT"}},
                {"extension": {"number": "1001", "member_status": "RING"}},
            ],
            {"type": "call.ringing", "direction": "internal", "from": "1002", "to": "1001"},
        ),
        (
            [
                {"extension": {"number": "1001", "member_status": "ALERT"}},
                {"outbound": {"from": "1001", "to": "004930999", "member_status": "RING"}},
            ],
            {
                "type": "call.ringing",
                "direction": "outbound",
                "extension": "1001",
                "to": "004930999",
            },
        ),
        (
            [
                {"extension": {"number": "1001", "member_status": "ANSWERED"}},
                {"outbound": {"from": "1001", "to": "004930999", "member_status": "ANSWER"}},
            ],
            {"type": "call.answered", "direction": "outbound", "extension": "1001"},
        ),
        (_inbound("BYE", ("1001", "BYE")), None),
        (_inbound("HOLD", ("1001", "HOLD")), None),
    ],
    ids=[
        "ring",
        "ring-group",
        "answer",
        "queue-answer",
        "internal",
        "outbound-ring",
        "outbound-answer",
        "bye-ignored",
        "hold-ignored",
    ],
)
def test_call_state_changed_mapping(members, expected):
    """30011 member statuses map to ringing/answered; BYE waits for the CDR (covers I2)."""
    events = yeastar.parse(json.dumps(yeastar_call_state("1732521600.7", members)), now=NOW)
    if expected is None:
        assert events == []
        return
    (event,) = events
    assert event.call_id == "1732521600.7"
    assert event.timestamp == int(NOW)
    got = {
        "type": event.type,
        "direction": event.direction,
        "extension": event.extension,
        "from": event.from_.number,
        "to": event.to.number,
        "answered_by": event.answered_by,
        "agents_rung": event.agents_rung,
    }
    for key, value in expected.items():
        assert got[key] == value, key


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {},
            {
                "status": "answered",
                "direction": "inbound",
                "extension": "1001",
                "talk_seconds": 205,
                "ring_seconds": 12,
                "answered_by": "1001",
            },
        ),
        ({"status": "ANSWERD"}, {"status": "answered"}),
        ({"status": "NO ANSWER", "talk_duration": 0}, {"status": "missed", "answered_by": None}),
        (
            {
                "status": "NO ANSWER",
                "type": "Outbound",
                "call_from": "1001",
                "call_to": "004930999",
            },
            {"status": "no_answer", "extension": "1001", "direction": "outbound"},
        ),
        ({"status": "BUSY"}, {"status": "busy"}),
        ({"status": "VOICEMAIL"}, {"status": "voicemail"}),
        ({"type": "INTERNAL", "call_from": "1002"}, {"direction": "internal", "extension": "1001"}),
        ({"type": "inbound"}, {"direction": "inbound"}),
        ({"agent_ring_time": 7}, {"ring_seconds": 7}),
        ({"recording": ""}, {"recording_url": None}),
    ],
    ids=[
        "answered",
        "vendor-typo",
        "no-answer-inbound",
        "no-answer-outbound",
        "busy",
        "voicemail",
        "internal-upper",
        "inbound-lower",
        "agent-ring-time",
        "no-recording",
    ],
)
def test_new_cdr_mapping(fields, expected):
    """30012 CDR maps to call.ended with status, durations and direction (covers I2)."""
    (event,) = yeastar.parse(json.dumps(yeastar_cdr("c-9", **fields)), now=NOW)
    assert event.type == "call.ended"
    for key, value in expected.items():
        assert getattr(event, key) == value, key


def test_cdr_times_and_extras():
    """time_start is read in the PBX zone; the event time is the call's end."""
    (event,) = yeastar.parse(json.dumps(yeastar_cdr("c-1")), now=NOW, tz="Europe/Berlin")
    # 2024-11-25 08:00:00 Berlin (UTC+1) = 07:00:00 UTC; + 217 s duration.
    assert event.model_extra["started_at"] == 1732518000
    assert event.timestamp == 1732518000 + 217
    assert event.recording_url.endswith("Inbound.wav")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"nope", "body"),
        (json.dumps({"type": 30012, "msg": "{not json"}), "msg"),
        (json.dumps({"type": 30012, "msg": json.dumps({"status": "ANSWERED"})}), "msg.call_id"),
        (json.dumps(yeastar_cdr("c", status="LOST")), "msg.status"),
        (json.dumps(yeastar_cdr("c", type="Sideways")), "msg.type"),
        (json.dumps({"type": 30011, "msg": json.dumps({"call_id": "c"})}), "msg.members"),
    ],
    ids=["not-json", "msg-not-json", "no-call-id", "status", "type", "members"],
)
def test_bad_payloads_name_the_field(body, field):
    """Unreadable Yeastar payloads name the field at fault."""
    with pytest.raises(EventFormatError) as info:
        yeastar.parse(body, now=NOW)
    assert info.value.problems[0]["field"] == field


def test_other_event_types_are_ignored():
    """Events other than 30011/30012 produce nothing."""
    body = json.dumps({"type": 30008, "msg": json.dumps({"extension": "1001"})})
    assert yeastar.parse(body, now=NOW) == []


def test_url_token():
    """The URL token derives from the secret and verifies only with it."""
    token = yeastar.url_token("k")
    assert yeastar.verify_url_token("k", token)
    assert not yeastar.verify_url_token("other", token)
    assert not yeastar.verify_url_token("k", None)
    assert "k" not in token
