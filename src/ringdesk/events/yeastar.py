"""Yeastar P-Series Open API events → `CallEvent` (I2). Pure.

The envelope is `{"type": 30011, "sn": "...", "msg": "<JSON string>"}`: `msg` is JSON text
inside JSON and is parsed a second time.

- 30011 Call State Changed: members with ALERT/RING → `call.ringing`, ANSWER/ANSWERED →
  `call.answered`. BYE is ignored on purpose: the 30012 CDR that follows carries the end
  details, and an early `call.ended` from BYE would make the CDR a duplicate.
- 30012 New CDR → `call.ended` with status, talk/ring seconds, recording and direction.

Other event types produce no event. `time_start` is PBX local time; pass its zone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from ringdesk.errors import EventFormatError
from ringdesk.events.model import CallEvent
from ringdesk.events.webhook import json_depth_error

__all__ = [
    "CALL_STATE_CHANGED",
    "NEW_CDR",
    "map_call_state",
    "map_cdr",
    "parse",
    "url_token",
    "verify_url_token",
]

CALL_STATE_CHANGED = 30011
NEW_CDR = 30012

_RINGING = {"ALERT", "RING"}
_ANSWERED = {"ANSWER", "ANSWERED"}

_CDR_STATUS = {
    "ANSWERED": "answered",
    "ANSWERD": "answered",  # the vendor's documentation spells it so
    "NO ANSWER": "no_answer",
    "BUSY": "busy",
    "VOICEMAIL": "voicemail",
    "FAILED": "failed",
}


def url_token(secret: str) -> str:
    """The `?token=` for the Yeastar webhook URL: derived from the webhook secret, which
    itself never appears in a URL."""
    return hmac.new(secret.encode(), b"yeastar-webhook", hashlib.sha256).hexdigest()[:40]


def verify_url_token(secret: str, token: str | None) -> bool:
    if not token:
        return False
    return hmac.compare_digest(url_token(secret).encode(), token.encode())


def _fail(field: str, message: str) -> EventFormatError:
    return EventFormatError([{"field": field, "message": message}])


def _int(value: Any) -> int | None:
    try:
        return max(0, int(value))
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float
        return None


def _member_parts(member: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for kind in ("inbound", "outbound", "extension"):
        part = member.get(kind)
        if isinstance(part, dict):
            return kind, part
    return "", {}


def map_call_state(msg: dict[str, Any], *, now: float) -> CallEvent | None:
    """A 30011 message → `call.ringing` / `call.answered`, or None (BYE, HOLD, ...)."""
    call_id = str(msg.get("call_id") or "")
    if not call_id:
        raise _fail("msg.call_id", "missing")
    members = msg.get("members")
    if not isinstance(members, list):
        raise _fail("msg.members", "must be a list")
    trunk_kind = ""
    trunk: dict[str, Any] = {}
    extensions: list[tuple[str, str]] = []  # (number, member_status)
    statuses: set[str] = set()
    for member in members:
        if not isinstance(member, dict):
            continue
        kind, part = _member_parts(member)
        member_status = str(part.get("member_status", "")).upper()
        statuses.add(member_status)
        if kind in ("inbound", "outbound"):
            trunk_kind, trunk = kind, part
        elif kind == "extension":
            extensions.append((str(part.get("number", "")), member_status))
    if statuses & _ANSWERED:
        event_type = "call.answered"
    elif statuses & _RINGING:
        event_type = "call.ringing"
    else:
        return None
    data: dict[str, Any] = {"type": event_type, "call_id": call_id, "timestamp": int(now)}
    if trunk_kind:
        data["direction"] = trunk_kind
        data["from"] = {"number": str(trunk.get("from", ""))}
        data["to"] = {"number": str(trunk.get("to", ""))}
    else:
        data["direction"] = "internal"
        if extensions:
            data["from"] = {"number": extensions[0][0]}
        if len(extensions) > 1:
            data["to"] = {"number": extensions[1][0]}
    # The PBX user handling the call: the answering extension, else the ringing one (the
    # caller's own extension on outbound and internal calls).
    wanted = _ANSWERED if event_type == "call.answered" else _RINGING
    callee = [n for n, s in extensions if s in wanted and n]
    pbx_users = [n for n, _ in extensions if n]
    if trunk_kind == "outbound" or (not trunk_kind and event_type == "call.ringing"):
        extension = pbx_users[0] if pbx_users else ""
    else:
        extension = callee[-1] if callee else (pbx_users[-1] if pbx_users else "")
    data["extension"] = extension
    if trunk_kind == "inbound":
        data["agents_rung"] = [n for n, s in extensions if s in _RINGING | _ANSWERED and n]
    if event_type == "call.answered" and extension:
        data["answered_by"] = extension
    return _event(data)


def _parse_time(value: Any, tz: ZoneInfo) -> int | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return int(datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz).timestamp())
    except (ValueError, OverflowError):  # OverflowError: year 1 east of UTC
        return None


def map_cdr(msg: dict[str, Any], *, now: float, tz: str = "UTC") -> CallEvent:
    """A 30012 message → `call.ended` with the CDR fields."""
    call_id = str(msg.get("call_id") or "")
    if not call_id:
        raise _fail("msg.call_id", "missing")
    raw_status = str(msg.get("status", "")).strip().upper()
    direction = str(msg.get("type", "inbound")).strip().lower()
    if direction not in ("inbound", "outbound", "internal"):
        raise _fail("msg.type", f"unknown call type {msg.get('type')!r}")
    status = _CDR_STATUS.get(raw_status)
    if status is None:
        raise _fail("msg.status", f"unknown CDR status {msg.get('status')!r}")
    if status == "no_answer" and direction == "inbound":
        status = "missed"
    call_from = str(msg.get("call_from", ""))
    call_to = str(msg.get("call_to", ""))
    talk = _int(msg.get("talk_duration")) or 0
    duration = _int(msg.get("call_duration"))
    started = _parse_time(msg.get("time_start"), ZoneInfo(tz))
    ended = started + (duration or 0) if started is not None else int(now)
    extension = call_from if direction == "outbound" else call_to
    data: dict[str, Any] = {
        "type": "call.ended",
        "call_id": call_id,
        "direction": direction,
        "from": {"number": call_from},
        "to": {"number": call_to},
        "extension": extension,
        "timestamp": ended,
        "status": status,
        "talk_seconds": talk,
        "ring_seconds": _int(msg.get("agent_ring_time"))
        if msg.get("agent_ring_time") is not None
        else (max(0, duration - talk) if duration is not None else None),
        "recording_url": str(msg["recording"]) if msg.get("recording") else None,
    }
    if status == "answered" and extension:
        data["answered_by"] = extension
    if started is not None:
        data["started_at"] = started
    for extra in ("did_number", "src_trunk_name", "dst_trunk_name", "uid"):
        if msg.get(extra) not in (None, ""):
            data[f"yeastar_{extra}"] = msg[extra]
    return _event(data)


def _event(data: dict[str, Any]) -> CallEvent:
    try:
        return CallEvent.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"field": "msg." + ".".join(str(p) for p in e["loc"]), "message": str(e["msg"])}
            for e in exc.errors(include_url=False)
        ]
        raise EventFormatError(problems) from None


def parse(body: bytes | str, *, now: float | None = None, tz: str = "UTC") -> list[CallEvent]:
    """One Yeastar webhook body → zero or one call events."""
    now = time.time() if now is None else now
    too_deep = json_depth_error(body)
    if too_deep:
        raise _fail("body", too_deep)
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _fail("body", "not JSON") from None
    if not isinstance(envelope, dict):
        raise _fail("body", "must be a JSON object")
    msg: Any = envelope.get("msg")
    if isinstance(msg, str):
        try:
            if json_depth_error(msg):
                raise ValueError("too deep")
            msg = json.loads(msg)
        except ValueError:
            raise _fail("msg", "not a JSON string") from None
    try:
        kind = int(envelope.get("type", 0))
    except (TypeError, ValueError, OverflowError):
        raise _fail("type", "must be an event number") from None
    if kind not in (CALL_STATE_CHANGED, NEW_CDR):
        return []
    if not isinstance(msg, dict):
        raise _fail("msg", "must be a JSON object (or JSON text of one)")
    if kind == CALL_STATE_CHANGED:
        event = map_call_state(msg, now=now)
        return [event] if event is not None else []
    return [map_cdr(msg, now=now, tz=tz)]
