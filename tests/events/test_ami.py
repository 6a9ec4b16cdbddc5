"""Asterisk AMI: the pure call tracker, and the panoramisk listener against FakeAMIServer
over a real socket (Asterisk itself is not packaged here; covers I2)."""

from __future__ import annotations

import asyncio

import pytest

from ringdesk.events.ami import AmiCallTracker, AmiListener, parse_ami_url
from ringdesk.testing import FakeAMIServer, ami_call_script


def _feed(tracker, script, start=1000.0):
    out = []
    for i, event in enumerate(script):
        out += tracker.feed(event, now=start + i)
    return out


def test_answered_inbound_call_gives_three_events():
    """DialBegin → ringing, callee BridgeEnter → answered, Cdr → ended."""
    events = _feed(AmiCallTracker(), ami_call_script("100.1"))
    assert [e.type for e in events] == ["call.ringing", "call.answered", "call.ended"]
    ringing, answered, ended = events
    assert ringing.call_id == "100.1"
    assert ringing.direction == "inbound"
    assert ringing.from_.number == "+4930123456"
    assert ringing.from_.name == "Ada Lovelace"
    assert ringing.extension == "1001"
    assert answered.answered_by == "1001"
    assert ended.status == "answered"
    assert ended.talk_seconds == 205
    assert ended.ring_seconds == 12
    assert ended.answered_by == "1001"


def test_unanswered_inbound_call_is_missed():
    """An inbound call nobody answers ends as missed."""
    events = _feed(AmiCallTracker(), ami_call_script("100.2", answered=False))
    assert [e.type for e in events] == ["call.ringing", "call.ended"]
    assert events[-1].status == "missed"
    assert events[-1].talk_seconds == 0


@pytest.mark.parametrize(
    ("disposition", "status"),
    [
        ("ANSWERED", "answered"),
        ("NO ANSWER", "missed"),
        ("BUSY", "busy"),
        ("FAILED", "failed"),
        ("CONGESTION", "failed"),
    ],
)
def test_cdr_disposition_table(disposition, status):
    """Cdr Disposition maps to the event status."""
    script = ami_call_script("100.3")
    script[-1] = {**script[-1], "Disposition": disposition}
    assert _feed(AmiCallTracker(), script)[-1].status == status


def test_hangup_ends_the_call_without_cdr():
    """With use_cdr=False the caller's Hangup ends the call, with talk time measured."""
    script = [e for e in ami_call_script("100.4") if e["Event"] != "Cdr"]
    events = _feed(AmiCallTracker(use_cdr=False), script, start=0.0)
    assert [e.type for e in events] == ["call.ringing", "call.answered", "call.ended"]
    # answered at t=3 (callee BridgeEnter), caller hangs up at t=5
    assert events[-1].talk_seconds == 2
    assert events[-1].status == "answered"


def test_outbound_and_internal_directions():
    """An extension dialling out is outbound; dialling another extension is internal."""
    out = [
        {
            "Event": "Newchannel",
            "CallerIDNum": "1001",
            "Exten": "004930999",
            "Uniqueid": "5.1",
            "Linkedid": "5.1",
        },
        {
            "Event": "DialBegin",
            "CallerIDNum": "1001",
            "Uniqueid": "5.1",
            "Linkedid": "5.1",
            "DestChannel": "PJSIP/trunk-0001",
            "DialString": "trunk/004930999",
        },
    ]
    (ringing,) = _feed(AmiCallTracker(), out)
    assert (ringing.direction, ringing.extension, ringing.to.number) == (
        "outbound",
        "1001",
        "004930999",
    )
    internal = ami_call_script("6.1", caller="1002", caller_name="Bob")[:2]
    (ringing,) = _feed(AmiCallTracker(), internal)
    assert (ringing.direction, ringing.extension) == ("internal", "1001")


def test_unknown_events_are_ignored():
    """Events the tracker does not follow produce nothing."""
    assert AmiCallTracker().feed({"Event": "PeerStatus", "Peer": "PJSIP/1001"}) == []


def test_parse_ami_url():
    """The AMI URL carries host, port and credentials."""
    assert parse_ami_url("ami://u:p%40ss@pbx.local:5039") == {
        "host": "pbx.local",
        "port": 5039,
        "username": "u",
        "secret": "p@ss",
    }
    with pytest.raises(ValueError, match="AMI URL"):
        parse_ami_url("http://pbx")


async def test_listener_against_fake_ami_server():
    """The panoramisk listener logs in over TCP and produces the three call events."""
    received = []
    done = asyncio.Event()

    async def sink(event):
        received.append(event)
        if event.type == "call.ended":
            done.set()

    async with FakeAMIServer(ami_call_script("200.1")) as server:
        async with AmiListener(server.url, sink):
            await asyncio.wait_for(done.wait(), 10)
        login = server.actions[0]
    assert [e.type for e in received] == ["call.ringing", "call.answered", "call.ended"]
    assert {e.call_id for e in received} == {"200.1"}
    assert login["action"].lower() == "login"
    assert login["username"] == "ringdesk"
