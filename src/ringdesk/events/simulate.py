"""`ringdesk simulate-call`: a fake PBX that posts a signed ringing → answered → ended call
to a running ringdesk, for demos and manual tests."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from ringdesk.events.webhook import SIGNATURE_HEADER, sign

__all__ = ["call_script", "post_events"]


def call_script(
    *,
    from_number: str,
    to_extension: str,
    name: str = "",
    missed: bool = False,
    talk_seconds: int = 42,
    ring_seconds: int = 5,
    call_id: str | None = None,
    now: float | None = None,
) -> list[dict[str, Any]]:
    """The webhook events of one inbound call: ringing, answered (unless missed), ended.

    Timestamps are consistent with the durations and the call ends at `now`, so logs
    never show a call in the future.
    """
    call_id = call_id or f"sim-{uuid.uuid4().hex[:12]}"
    ended = int(time.time() if now is None else now)
    start = ended - ring_seconds - (0 if missed else talk_seconds)
    base: dict[str, Any] = {
        "call_id": call_id,
        "direction": "inbound",
        "from": {"number": from_number, "name": name},
        "to": {"number": to_extension},
        "extension": to_extension,
        "agents_rung": [to_extension],
    }
    events = [{**base, "type": "call.ringing", "timestamp": start}]
    if missed:
        events.append(
            {
                **base,
                "type": "call.ended",
                "timestamp": start + ring_seconds,
                "status": "missed",
                "talk_seconds": 0,
                "ring_seconds": ring_seconds,
            }
        )
        return events
    answered = start + ring_seconds
    events.append(
        {**base, "type": "call.answered", "timestamp": answered, "answered_by": to_extension}
    )
    events.append(
        {
            **base,
            "type": "call.ended",
            "timestamp": answered + talk_seconds,
            "status": "answered",
            "talk_seconds": talk_seconds,
            "ring_seconds": ring_seconds,
            "answered_by": to_extension,
        }
    )
    return events


def post_events(
    base_url: str,
    secret: str,
    events: list[dict[str, Any]],
    *,
    pause: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    echo: Callable[[str], None] = lambda _line: None,
    transport: httpx.BaseTransport | None = None,
) -> list[httpx.Response]:
    """POST each event, signed, to `{base_url}/api/v1/events`, pausing between them.

    Raises `httpx.HTTPStatusError` on the first refused event.
    """
    responses = []
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=10, transport=transport) as http:
        for i, event in enumerate(events):
            if i:
                sleep(pause)
            body = json.dumps(event).encode()
            response = http.post(
                "/api/v1/events",
                content=body,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)},
            )
            echo(f"{event['type']:<14} {event['call_id']} → {response.status_code} {response.text}")
            response.raise_for_status()
            responses.append(response)
    return responses
