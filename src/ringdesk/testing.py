"""Public test support: `make_services` (the real services, wired as a process wires them,
with quick inline retries), call-event builders, a signed webhook sender, and
`FakeAMIServer`, a tiny Asterisk Manager Interface server.

`FakeAMIServer` is the agreed stand-in for Asterisk (not packaged for Debian here): an
asyncio TCP server speaking the AMI line protocol — banner, Login response, then the
scripted events — so the real panoramisk client is exercised over a real socket.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ringdesk.config import Settings
from ringdesk.events.webhook import SIGNATURE_HEADER, sign
from ringdesk.retry import RetryPolicy
from ringdesk.services import Services

__all__ = [
    "FAST_RETRY",
    "FakeAMIServer",
    "ami_call_script",
    "call_event",
    "make_services",
    "signed_headers",
    "yeastar_call_state",
    "yeastar_cdr",
]


# Inline retries in milliseconds, so a test of a flaky helpdesk takes no seconds.
FAST_RETRY = RetryPolicy(
    base=0.01,
    max_delay=0.05,
    max_attempts=4,
    jitter=0.0,
    max_retry_after=15.0,
    cap_retry_after=False,
)


def make_services(
    settings: Settings, *, retry: RetryPolicy = FAST_RETRY, **options: Any
) -> Services:
    """The services a process would build from `settings` (`runtime.start_services`), with
    `FAST_RETRY` inline retries unless `retry` says otherwise; `options` go to
    `build_services` (clock, transport, metrics, timeout). Close them with `aclose()`."""
    from ringdesk.runtime import start_services

    return start_services(settings, retry=retry, **options)


def call_event(
    type: str = "call.ringing",
    call_id: str = "1732521600.42",
    *,
    from_number: str = "+4930123456",
    from_name: str = "",
    to_number: str = "1001",
    extension: str = "1001",
    timestamp: int = 1732521600,
    **extra: Any,
) -> dict[str, Any]:
    """A webhook event body (api.md) with sensible defaults; `extra` adds or overrides."""
    body: dict[str, Any] = {
        "type": type,
        "call_id": call_id,
        "direction": "inbound",
        "from": {"number": from_number, "name": from_name},
        "to": {"number": to_number},
        "extension": extension,
        "timestamp": timestamp,
    }
    if type == "call.ended":
        body.update(status="answered", talk_seconds=205, ring_seconds=12, answered_by=extension)
    body.update(extra)
    return body


def signed_headers(body: bytes, secret: str) -> dict[str, str]:
    """Headers for POSTing `body` to `/api/v1/events`."""
    return {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)}


def yeastar_call_state(call_id: str, members: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A Yeastar 30011 envelope (`msg` double-encoded, as the PBX sends it)."""
    msg = {"call_id": call_id, "members": list(members)}
    return {"type": 30011, "sn": "3631A2123456", "msg": json.dumps(msg)}


def yeastar_cdr(call_id: str, **fields: Any) -> dict[str, Any]:
    """A Yeastar 30012 New CDR envelope with defaults for an answered inbound call."""
    msg: dict[str, Any] = {
        "call_id": call_id,
        "time_start": "2024-11-25 08:00:00",
        "call_from": "+4930123456",
        "call_to": "1001",
        "call_duration": 217,
        "talk_duration": 205,
        "status": "ANSWERED",
        "type": "Inbound",
        "recording": "20241125080000-1732521600.42-4930123456-1001-Inbound.wav",
    }
    msg.update(fields)
    return {"type": 30012, "sn": "3631A2123456", "msg": json.dumps(msg)}


def ami_call_script(
    linkedid: str = "1732521600.42",
    *,
    caller: str = "+4930123456",
    caller_name: str = "Ada Lovelace",
    extension: str = "1001",
    answered: bool = True,
) -> list[dict[str, str]]:
    """AMI events of an inbound call ringing `extension` (answered or not), with its Cdr."""
    callee_uid = linkedid.rsplit(".", 1)[0] + ".43"
    trunk = f"PJSIP/trunk-{linkedid[-4:]}"
    phone = f"PJSIP/{extension}-00000001"
    events = [
        {
            "Event": "Newchannel",
            "Channel": trunk,
            "CallerIDNum": caller,
            "CallerIDName": caller_name,
            "Exten": extension,
            "Context": "from-trunk",
            "Uniqueid": linkedid,
            "Linkedid": linkedid,
        },
        {
            "Event": "DialBegin",
            "Channel": trunk,
            "CallerIDNum": caller,
            "CallerIDName": caller_name,
            "Uniqueid": linkedid,
            "Linkedid": linkedid,
            "DestChannel": phone,
            "DestCallerIDNum": extension,
            "DestUniqueid": callee_uid,
            "DestLinkedid": linkedid,
            "DialString": extension,
        },
    ]
    if answered:
        events += [
            {"Event": "BridgeEnter", "Channel": trunk, "Uniqueid": linkedid, "Linkedid": linkedid},
            {
                "Event": "BridgeEnter",
                "Channel": phone,
                "Uniqueid": callee_uid,
                "Linkedid": linkedid,
            },
        ]
    events += [
        {"Event": "Hangup", "Channel": phone, "Uniqueid": callee_uid, "Linkedid": linkedid},
        {"Event": "Hangup", "Channel": trunk, "Uniqueid": linkedid, "Linkedid": linkedid},
        {
            "Event": "Cdr",
            "Source": caller,
            "Destination": extension,
            "Channel": trunk,
            "DestinationChannel": phone,
            "Disposition": "ANSWERED" if answered else "NO ANSWER",
            "Duration": "217" if answered else "20",
            "BillableSeconds": "205" if answered else "0",
            "UniqueID": linkedid,
        },
    ]
    return events


def _encode(fields: Mapping[str, str]) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode() + b"\r\n"


def _decode(block: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in block.decode(errors="replace").split("\r\n"):
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip()
    return fields


class FakeAMIServer:
    """An AMI server on 127.0.0.1: accepts Login (right `username`/`secret` only), answers
    Ping, and sends `events` to each client after a successful login.

    Use `async with FakeAMIServer(events) as server:`; `server.url` is the `ami://` URL.
    `server.actions` records every action received (lower-cased field names).
    """

    def __init__(
        self,
        events: Sequence[Mapping[str, str]] = (),
        *,
        username: str = "ringdesk",
        secret: str = "amisecret",  # noqa: S107 (a fake server's test credential)
    ):
        self.events = list(events)
        self.username = username
        self.secret = secret
        self.actions: list[dict[str, str]] = []
        self.logged_in = asyncio.Event()
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ami://{self.username}:{self.secret}@127.0.0.1:{self.port}"

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/5.0.1\r\n")
        await writer.drain()
        try:
            while True:
                block = await reader.readuntil(b"\r\n\r\n")
                action = _decode(block)
                self.actions.append(action)
                reply = {"Response": "Success"}
                if "actionid" in action:
                    reply["ActionID"] = action["actionid"]
                name = action.get("action", "").lower()
                if name == "login":
                    ok = action.get("username") == self.username and (
                        action.get("secret") == self.secret
                    )
                    if not ok:
                        reply.update(Response="Error", Message="Authentication failed")
                        writer.write(_encode(reply))
                        await writer.drain()
                        break
                    reply["Message"] = "Authentication accepted"
                    writer.write(_encode(reply))
                    writer.write(_encode({"Event": "FullyBooted", "Status": "Fully Booted"}))
                    for event in self.events:
                        writer.write(_encode(event))
                    await writer.drain()
                    self.logged_in.set()
                elif name == "ping":
                    reply["Ping"] = "Pong"
                    writer.write(_encode(reply))
                    await writer.drain()
                elif name == "logoff":
                    reply["Response"] = "Goodbye"
                    writer.write(_encode(reply))
                    await writer.drain()
                    break
                else:
                    writer.write(_encode(reply))
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def __aenter__(self) -> FakeAMIServer:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
