"""Asterisk Manager Interface (AMI) listener (I2): channel events → `CallEvent`s.

`AmiCallTracker` is the pure core: it follows the channels of each call (grouped by
`Linkedid`) and turns DialBegin into `call.ringing`, the callee's BridgeEnter into
`call.answered`, and the Cdr event into `call.ended` (Disposition, BillableSeconds,
Duration). With `use_cdr=False` (no cdr_manager) the originating channel's Hangup ends the
call instead; both are never used together, since the first `call.ended` wins the dedup.
Newchannel only records the caller. `AmiListener` is the I/O shell on panoramisk, and
`ami_service` runs it as a background service when `settings.ami_url` is set.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import ValidationError

from ringdesk.events.model import CallEvent

__all__ = ["AmiCallTracker", "AmiListener", "ami_service", "parse_ami_url"]

log = logging.getLogger(__name__)

_DISPOSITION = {
    "ANSWERED": "answered",
    "NO ANSWER": "no_answer",
    "BUSY": "busy",
    "FAILED": "failed",
    "CONGESTION": "failed",
}

# "PJSIP/1001-0000002a", "SIP/1001-00000001", "Local/1001@from-internal-..." → "1001"
_CHANNEL_PEER = re.compile(r"^[A-Za-z]+/([^@/-]+)")


@dataclass
class _Call:
    call_id: str
    caller: str = ""
    caller_name: str = ""
    dialled: str = ""
    started: float = 0.0
    answered_at: float | None = None
    answered_by: str = ""
    extensions: list[str] = field(default_factory=list)
    emitted: set[str] = field(default_factory=set)


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _peer(channel: str) -> str:
    match = _CHANNEL_PEER.match(channel or "")
    return match.group(1) if match else ""


class AmiCallTracker:
    """Follows AMI events and yields normalised call events. Pure: no I/O, time passed in."""

    def __init__(self, *, internal_max_digits: int = 6, use_cdr: bool = True):
        self.internal_max_digits = internal_max_digits
        self.use_cdr = use_cdr
        self._calls: dict[str, _Call] = {}
        self._channel_call: dict[str, str] = {}  # Uniqueid → Linkedid
        self._channel_ext: dict[str, str] = {}  # Uniqueid → extension

    def _internal(self, number: str) -> bool:
        digits = _digits(number)
        return bool(digits) and len(digits) <= self.internal_max_digits and "+" not in number

    def _call(self, event: Mapping[str, str], now: float) -> _Call:
        linked = event.get("Linkedid") or event.get("Uniqueid") or event.get("UniqueID") or ""
        call = self._calls.get(linked)
        if call is None:
            call = self._calls[linked] = _Call(call_id=linked, started=now)
        return call

    def feed(self, event: Mapping[str, str], *, now: float | None = None) -> list[CallEvent]:
        """Consume one AMI event (field → value); return the call events it completes."""
        now = time.time() if now is None else now
        name = (event.get("Event") or "").lower()
        handler = _HANDLERS.get(name)
        if handler is None:
            return []
        out = handler(self, event, now)
        return [out] if out is not None else []

    def _direction(self, call: _Call) -> str:
        if not self._internal(call.caller):
            return "inbound"
        target = call.extensions[0] if call.extensions else call.dialled
        return "internal" if self._internal(target) else "outbound"

    def _emit(self, call: _Call, kind: str, now: float, **extra: Any) -> CallEvent | None:
        if kind in call.emitted:
            return None
        direction = self._direction(call)
        if direction == "outbound":
            extension, other = call.caller, call.dialled
        else:
            extension = call.answered_by or (call.extensions[-1] if call.extensions else "")
            other = extension or call.dialled
        data: dict[str, Any] = {
            "type": kind,
            "call_id": call.call_id,
            "direction": direction,
            "from": {"number": call.caller, "name": call.caller_name},
            "to": {"number": other},
            "extension": extension,
            "timestamp": int(now),
            **extra,
        }
        if direction == "inbound" and call.extensions:
            data["agents_rung"] = list(call.extensions)
        if call.answered_by and kind != "call.ringing":
            data.setdefault("answered_by", call.answered_by)
        try:
            result = CallEvent.model_validate(data)
        except ValidationError:
            log.warning("AMI call %s: cannot build %s", call.call_id, kind)
            return None
        call.emitted.add(kind)
        return result

    # Handlers, one per AMI event name (see _HANDLERS).

    def _on_newchannel(self, event: Mapping[str, str], now: float) -> CallEvent | None:
        uid = event.get("Uniqueid", "")
        call = self._call(event, now)
        self._channel_call[uid] = call.call_id
        if uid == call.call_id or not call.caller:
            call.caller = event.get("CallerIDNum", "") or call.caller
            call.caller_name = event.get("CallerIDName", "") or call.caller_name
            if call.caller_name in ("<unknown>", call.caller):
                call.caller_name = ""
            call.dialled = event.get("Exten", "") or call.dialled
        return None

    def _on_dial_begin(self, event: Mapping[str, str], now: float) -> CallEvent | None:
        call = self._call(event, now)
        dest_uid = event.get("DestUniqueid", "")
        extension = (
            _peer(event.get("DestChannel", ""))
            or event.get("DestCallerIDNum", "")
            or event.get("DialString", "")
        )
        if not call.caller:
            call.caller = event.get("CallerIDNum", "")
            call.caller_name = event.get("CallerIDName", "")
        if dest_uid:
            self._channel_call[dest_uid] = call.call_id
            self._channel_ext[dest_uid] = extension
        if self._internal(extension) and extension != call.caller:
            if extension not in call.extensions:
                call.extensions.append(extension)
        elif not call.dialled or call.dialled == "s":
            call.dialled = extension
        return self._emit(call, "call.ringing", now)

    def _on_bridge_enter(self, event: Mapping[str, str], now: float) -> CallEvent | None:
        uid = event.get("Uniqueid", "")
        call = self._call(event, now)
        if uid == call.call_id:
            return None  # the caller's own channel joining the bridge
        extension = self._channel_ext.get(uid) or _peer(event.get("Channel", ""))
        if call.answered_at is None:
            call.answered_at = now
            if self._direction(call) != "outbound":
                call.answered_by = extension
        return self._emit(call, "call.answered", now)

    def _finish(self, call: _Call) -> None:
        self._calls.pop(call.call_id, None)
        for uid in [u for u, c in self._channel_call.items() if c == call.call_id]:
            self._channel_call.pop(uid, None)
            self._channel_ext.pop(uid, None)

    def _on_hangup(self, event: Mapping[str, str], now: float) -> CallEvent | None:
        if self.use_cdr:
            return None
        uid = event.get("Uniqueid", "")
        call = self._call(event, now)
        if uid != call.call_id:
            return None
        answered = call.answered_at is not None
        talk = int(now - call.answered_at) if call.answered_at is not None else 0
        status = "answered" if answered else self._unanswered(call)
        out = self._emit(
            call,
            "call.ended",
            now,
            status=status,
            talk_seconds=talk,
            ring_seconds=int((call.answered_at or now) - call.started),
        )
        self._finish(call)
        return out

    def _unanswered(self, call: _Call) -> str:
        return "missed" if self._direction(call) == "inbound" else "no_answer"

    def _on_cdr(self, event: Mapping[str, str], now: float) -> CallEvent | None:
        if not self.use_cdr:
            return None
        uid = event.get("UniqueID") or event.get("Uniqueid") or ""
        linked = self._channel_call.get(uid, uid)
        call = self._calls.get(linked)
        if call is None:
            call = _Call(call_id=linked, started=now)
            call.caller = event.get("Source", "")
            call.dialled = event.get("Destination", "")
            call.caller_name = ""
        status = _DISPOSITION.get(event.get("Disposition", "").upper(), "failed")
        if status == "no_answer":
            status = self._unanswered(call)
        billable = _to_int(event.get("BillableSeconds"))
        duration = _to_int(event.get("Duration"))
        extra: dict[str, Any] = {"status": status, "talk_seconds": billable}
        if duration is not None and billable is not None:
            extra["ring_seconds"] = max(0, duration - billable)
        if event.get("RecordingFile"):
            extra["recording_url"] = event["RecordingFile"]
        if status == "answered" and not call.answered_by and self._direction(call) != "outbound":
            call.answered_by = _peer(event.get("DestinationChannel", "")) or call.dialled
        out = self._emit(call, "call.ended", now, **extra)
        self._finish(call)
        return out


def _to_int(value: str | None) -> int | None:
    try:
        return max(0, int(value)) if value not in (None, "") else None
    except ValueError:
        return None


_HANDLERS: dict[str, Callable[[AmiCallTracker, Mapping[str, str], float], CallEvent | None]] = {
    "newchannel": AmiCallTracker._on_newchannel,
    "dialbegin": AmiCallTracker._on_dial_begin,
    "bridgeenter": AmiCallTracker._on_bridge_enter,
    "hangup": AmiCallTracker._on_hangup,
    "cdr": AmiCallTracker._on_cdr,
}


def parse_ami_url(url: str) -> dict[str, Any]:
    """`ami://user:secret@host:5038` → panoramisk Manager settings."""
    parts = urlsplit(url)
    if parts.scheme not in ("ami", "tcp") or not parts.hostname:
        raise ValueError("AMI URL must look like ami://user:secret@host:5038")
    return {
        "host": parts.hostname,
        "port": parts.port or 5038,
        "username": unquote(parts.username or ""),
        "secret": unquote(parts.password or ""),
    }


EventSink = Callable[[CallEvent], Awaitable[Any]]


class AmiListener:
    """Connects to AMI (panoramisk reconnects on its own) and feeds a tracker.

    Each call event goes to `sink` (normally `intake.accept_async`) in order.
    """

    def __init__(self, url: str, sink: EventSink, *, tracker: AmiCallTracker | None = None):
        self.config = parse_ami_url(url)
        self.sink = sink
        self.tracker = tracker or AmiCallTracker()
        self._queue: asyncio.Queue[CallEvent] = asyncio.Queue()
        self._manager: Any = None
        self._worker: asyncio.Task[None] | None = None

    def _on_ami_event(self, _manager: Any, message: Any) -> None:
        fields = {str(k): str(v) for k, v in dict(message).items()}
        for event in self.tracker.feed(fields):
            self._queue.put_nowait(event)

    async def _drain(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self.sink(event)
            except Exception:
                log.exception("AMI event %s %s not accepted", event.type, event.call_id)

    async def start(self) -> None:
        from panoramisk import Manager

        loop = asyncio.get_running_loop()
        self._manager = Manager(
            loop=loop, ping_delay=30, ping_interval=30, reconnect_timeout=2, **self.config
        )
        self._manager.register_event("*", self._on_ami_event)
        self._worker = loop.create_task(self._drain())
        self._manager.connect()

    async def stop(self) -> None:
        if self._manager is not None:
            self._manager.close()
        if self._worker is not None:
            self._worker.cancel()
            with suppress(asyncio.CancelledError):
                await self._worker

    async def __aenter__(self) -> AmiListener:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()


@asynccontextmanager
async def ami_service(url: str | None, sink: EventSink) -> AsyncIterator[None]:
    """Background service: listen to AMI at `url` (`RINGDESK_AMI_URL`) when it is set, each
    call event handed to `sink` (event intake); else do nothing."""
    if not url:
        yield
        return
    async with AmiListener(url, sink):
        yield
