"""Call-log/ticket variables (variables.md): statuses, times, durations, options."""

from __future__ import annotations

from typing import Any

import pytest

from ringdesk.events.model import CallEvent
from ringdesk.flows.variables import (
    ContactRef,
    call_status,
    call_variables,
    format_duration,
    local_time,
)
from ringdesk.integrations.options import CallLogOptions

START = 1732521600  # 2024-11-25 08:00:00 UTC


def ended(**fields: Any) -> CallEvent:
    data: dict[str, Any] = {
        "type": "call.ended",
        "call_id": "1732521600.42",
        "direction": "inbound",
        "from": {"number": "+4930123456", "name": "Ada Lovelace"},
        "to": {"number": "1001", "name": "Front desk"},
        "extension": "1001",
        "timestamp": START,
        "status": "answered",
        "talk_seconds": 205,
        "ring_seconds": 12,
        "recording_url": "https://pbx.example.com/rec/42.wav",
    }
    data.update(fields)
    return CallEvent.model_validate(data)


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"status": "answered"}, "Answered"),
        ({"status": "missed"}, "Missed"),
        ({"status": "no_answer"}, "Missed"),  # inbound unanswered is Missed
        ({"status": "no_answer", "direction": "outbound"}, "No Answer"),
        ({"status": "busy"}, "Busy"),
        ({"status": "failed"}, "Failed"),
        ({"status": "voicemail"}, "Voicemail"),
        ({"status": None, "talk_seconds": 3}, "Answered"),
        ({"status": None, "talk_seconds": 0}, "Missed"),
        ({"status": None, "talk_seconds": 0, "direction": "outbound"}, "No Answer"),
    ],
    ids=[
        "answered",
        "missed",
        "inbound-no-answer",
        "outbound-no-answer",
        "busy",
        "failed",
        "voicemail",
        "no-status-talked",
        "no-status-inbound",
        "no-status-outbound",
    ],
)
def test_call_status(fields, status):
    """PBX outcomes map to the template spellings."""
    assert call_status(ended(**fields)) == status


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "00:00:00"), (205, "00:03:25"), (3600, "01:00:00"), (90061, "25:01:01"), (-5, "00:00:00")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("tz", "text"),
    [
        ("UTC", "2024-11-25 08:00:00"),
        ("Europe/Berlin", "2024-11-25 09:00:00"),
        ("America/New_York", "2024-11-25 03:00:00"),
        ("", "2024-11-25 08:00:00"),
        ("Not/AZone", "2024-11-25 08:00:00"),
    ],
    ids=["utc", "berlin", "new-york", "empty", "unknown"],
)
def test_local_time(tz, text):
    """`Time` is in the integration's time zone; unknown zones fall back to UTC."""
    assert local_time(START, tz) == text


def test_all_variables_of_an_answered_call():
    """Every documented variable is present with the documented format (L1)."""
    values = call_variables(
        ended(),
        tz="Europe/Berlin",
        contact=ContactRef("Contacts", "c-7", "Ada Lovelace", "+4930123456"),
        owner="u-1",
        options=opts(play_recording=True),
        extension_name="Front desk",
    )
    assert values == {
        "Call_From": "+4930123456",
        "Call_To": "1001",
        "Call_From_Name": "Ada Lovelace",
        "Call_To_Name": "Front desk",
        "Communication_Type": "Inbound",
        "Call_Status": "Answered",
        "Call_Log_Status": "Answered",
        "StartTimeUnix": str(START),
        "Time": "2024-11-25 09:00:00",
        "Talk_Duration": "00:03:25",
        "Talk_Duration_Sec": "205",
        "Ring_Duration_Sec": "12",
        "RecordPath": "https://pbx.example.com/rec/42.wav",
        "Subject": "",
        "Description": "",
        "Owner": "u-1",
        "WhoModule": "Contacts",
        "ContactId": "c-7",
        "ContactNumber": "+4930123456",
        "ContactName": "Ada Lovelace",
        "Extension": "1001",
        "ExtensionName": "Front desk",
        "CallId": "1732521600.42",
        "Queue": "",
    }


def opts(**given):
    """Call-log options with empty texts unless given."""
    return CallLogOptions(**{"subject": "", "description": "", **given})


@pytest.mark.parametrize(
    ("fields", "options", "record"),
    [
        ({}, {"play_recording": True}, "https://pbx.example.com/rec/42.wav"),
        ({}, {"play_recording": False}, ""),
        ({}, {}, "https://pbx.example.com/rec/42.wav"),
        ({"recording_url": None}, {"play_recording": True}, ""),
    ],
    ids=["on", "off", "default-on", "none"],
)
def test_record_path(fields, options, record):
    """RecordPath is empty without a recording or with play-recording off (L2)."""
    values = call_variables(
        ended(**fields), tz="UTC", contact=None, owner="", options=opts(**options)
    )
    assert values["RecordPath"] == record


def test_subject_and_description_render_with_the_other_variables():
    """Option texts are templates over the call variables (L2/T2)."""
    values = call_variables(
        ended(status="no_answer", talk_seconds=0),
        tz="UTC",
        contact=None,
        owner="",
        options=opts(
            subject="{{.Communication_Type}} {{.Call_Status}} - from {{.Call_From}}",
            description="Call: {{.Time}} {{.Call_Log_Status}} to {{.Call_To}}"
            " {{.Talk_Duration}} re {{.Subject}}",
        ),
    )
    assert values["Subject"] == "Inbound Missed - from +4930123456"
    assert values["Description"] == (
        "Call: 2024-11-25 08:00:00 Missed to 1001 00:00:00 re Inbound Missed - from +4930123456"
    )


def test_without_contact_the_number_is_the_contact_number():
    """Unmatched calls still carry the other party's number."""
    values = call_variables(
        ended(direction="outbound", **{"from": {"number": "1001"}, "to": {"number": "+441"}}),
        tz="UTC",
        contact=None,
        owner="",
        options=opts(),
        extension="1002",
    )
    assert values["ContactNumber"] == "+441"
    assert values["ContactId"] == values["WhoModule"] == values["ContactName"] == ""
    assert values["Communication_Type"] == "Outbound"
    assert values["Extension"] == "1002"
