"""The call-log and ticket variables of a finished call (variables.md "Call log and ticket").

Pure: `call_variables` turns a `call.ended` event plus what we know about it (the matched
contact, the owner, the integration's options and time zone) into the `{{.Name}}` values
the templates render with.

Decisions: `Call_From`/`Call_To` are the bare numbers (they are used in keys and phone
fields); the PBX's display names are in the extra `Call_From_Name`/`Call_To_Name`.
`StartTimeUnix` is the event's `timestamp`, which the PBX sets to the call's start.
An inbound call nobody answered is `Missed` even when the PBX says "no answer".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ringdesk.events.model import CallEvent
from ringdesk.integrations.options import CallLogOptions, TicketOptions

__all__ = ["ContactRef", "call_status", "call_variables", "format_duration", "local_time"]

_STATUS = {
    "answered": "Answered",
    "missed": "Missed",
    "no_answer": "No Answer",
    "busy": "Busy",
    "failed": "Failed",
    "voicemail": "Voicemail",
}


@dataclass(frozen=True)
class ContactRef:
    """The helpdesk contact a call was matched to (or created for)."""

    contact_type: str = ""
    id: str = ""
    name: str = ""
    number: str = ""


def call_status(event: CallEvent) -> str:
    """The outcome as the templates spell it; inbound and unanswered is `Missed`."""
    status = event.status
    if status is None:
        status = "answered" if (event.talk_seconds or 0) > 0 or event.answered_by else "no_answer"
    if status == "no_answer" and event.direction == "inbound":
        status = "missed"
    return _STATUS[status]


def format_duration(seconds: int) -> str:
    """`HH:MM:SS`; hours keep counting past 24."""
    seconds = max(0, seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def local_time(unix: int, tz: str) -> str:
    """`YYYY-MM-DD HH:MM:SS` in time zone `tz` (UTC when the name is unknown)."""
    try:
        zone: Any = ZoneInfo(tz) if tz else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return datetime.fromtimestamp(unix, zone).strftime("%Y-%m-%d %H:%M:%S")


def _render(text: str, data: Mapping[str, str], tz: str) -> str:
    if not text:
        return ""
    from ringdesk.expressions import gotemplate

    return gotemplate.render(text, data, escape="text", tz=tz)


def call_variables(
    event: CallEvent,
    *,
    tz: str,
    contact: ContactRef | None,
    owner: str,
    options: CallLogOptions | TicketOptions,
    extension: str | None = None,
    extension_name: str = "",
) -> dict[str, str]:
    """Every call-log/ticket variable, as strings.

    `options` are the integration's effective call-log or ticket options: `subject` and
    `description` are templates rendered here with the other variables (L2/T2), and a call
    log's `play_recording` decides whether `RecordPath` is filled.
    `extension` overrides the handling extension (a queue call logged for one agent).
    """
    status = call_status(event)
    talk = event.talk_seconds or 0
    contact = contact or ContactRef()
    play = options.play_recording if isinstance(options, CallLogOptions) else True
    values: dict[str, str] = {
        "Call_From": event.from_.number,
        "Call_To": event.to.number,
        "Call_From_Name": event.from_.name,
        "Call_To_Name": event.to.name,
        "Communication_Type": event.direction.capitalize(),
        "Call_Status": status,
        "Call_Log_Status": status,
        "StartTimeUnix": str(event.timestamp),
        "Time": local_time(event.timestamp, tz),
        "Talk_Duration": format_duration(talk),
        "Talk_Duration_Sec": str(talk),
        "Ring_Duration_Sec": str(event.ring_seconds or 0),
        "RecordPath": (event.recording_url or "") if play else "",
        "Owner": owner,
        "WhoModule": contact.contact_type,
        "ContactId": contact.id,
        "ContactNumber": contact.number or event.external_number(),
        "ContactName": contact.name,
        "Extension": event.extension if extension is None else extension,
        "ExtensionName": extension_name,
        "CallId": event.call_id,
        "Queue": event.queue or "",
    }
    # Subject first, so a description may use {{.Subject}}.
    values["Subject"] = ""
    values["Description"] = ""
    values["Subject"] = _render(options.subject, values, tz)
    values["Description"] = _render(options.description, values, tz)
    return values
