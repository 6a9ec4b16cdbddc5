"""The PBX side of a soak run: each planned call as signed webhook events (ringing →
answered → ended, or ringing → ended when missed; "fast" calls end 100 ms after ringing),
spread over the serve processes, started at a steady rate.

Like a PBX behind a load balancer, an event that is refused (connection refused, 5xx,
timeout: its serve process was just killed) is sent again to another serve until it is
acknowledged or `give_up_after` seconds have passed; the acknowledgement latency of each
attempt is recorded per serve.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from ringdesk.events.webhook import SIGNATURE_HEADER, sign
from ringdesk.http.streams import pooled_transport
from soak.plan import Call

__all__ = ["TrafficStats", "drive", "events_of"]

# Events in flight at once; the client's pool has exactly this many connections. Beyond it
# events wait on a semaphore, never in httpcore's pool: that pool matches every queued
# request against every connection on each change, so a queue of thousands (a backlog
# after a kill) made the harness CPU-bound for good, and its own queueing showed up as
# ringdesk's acknowledgement latency.
IN_FLIGHT = 64


@dataclass
class TrafficStats:
    """What the PBX side saw."""

    events_sent: int = 0
    events_acked: int = 0
    resends: int = 0
    lost: list[str] = field(default_factory=list)  # "call_id type: last error"
    ack_seconds: dict[str, list[float]] = field(default_factory=dict)  # serve url → latencies
    calls_started: int = 0
    calls_done: int = 0
    started_at: float = 0.0
    finished_at: float = 0.0
    done_marks: list[float] = field(default_factory=list)  # when call 1, 2, ... ended


def events_of(call: Call, rng: random.Random) -> list[tuple[float, dict[str, Any]]]:
    """(delay before sending, event body) for each event of `call`."""
    base: dict[str, Any] = {
        "call_id": call.call_id,
        "direction": "inbound",
        "from": {"number": call.number, "name": call.name},
        "to": {"number": call.extension},
        "extension": call.extension,
    }
    if call.fast:
        gaps = [0.0, 0.05, 0.05] if call.answered else [0.0, 0.1]
    elif call.answered:
        gaps = [0.0, rng.uniform(0.2, 1.0), rng.uniform(0.3, 2.0)]
    else:
        gaps = [0.0, rng.uniform(0.5, 2.0)]
    types = (
        ["call.ringing", "call.answered", "call.ended"]
        if call.answered
        else [
            "call.ringing",
            "call.ended",
        ]
    )
    out = []
    for gap, kind in zip(gaps, types, strict=True):
        body = {**base, "type": kind}
        if kind == "call.ended":
            if call.answered:
                body.update(
                    status="answered",
                    talk_seconds=call.talk_seconds,
                    ring_seconds=3,
                    answered_by=call.extension,
                )
            else:
                body.update(status="missed", talk_seconds=0, ring_seconds=20)
        out.append((gap, body))
    return out


async def _attempt(
    client: httpx.AsyncClient,
    url: str,
    raw: bytes,
    headers: dict[str, str],
    stats: TrafficStats,
) -> tuple[str, str]:
    """One try at one serve: ("acked" | "refused" | "retry", the error)."""
    started = time.perf_counter()
    try:
        response = await client.post(f"{url}/api/v1/events", content=raw, headers=headers)
    except httpx.HTTPError as exc:
        return "retry", f"{url}: {type(exc).__name__} {exc}"
    if response.status_code >= 500:
        return "retry", f"{url}: {response.status_code}"
    if response.status_code >= 400:
        return "refused", f"{response.status_code} {response.text[:200]}"
    stats.ack_seconds.setdefault(url, []).append(time.perf_counter() - started)
    stats.events_acked += 1
    return "acked", ""


async def _send(
    client: httpx.AsyncClient,
    gate: asyncio.Semaphore,
    serves: list[str],
    secret: str,
    body: dict[str, Any],
    stats: TrafficStats,
    rng: random.Random,
    give_up_after: float,
) -> None:
    body = {**body, "timestamp": int(time.time())}
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, secret)}
    stats.events_sent += 1
    deadline = time.monotonic() + give_up_after
    order = rng.sample(serves, len(serves))
    attempt, error = 0, ""
    while time.monotonic() < deadline:
        url = order[attempt % len(order)]
        attempt += 1
        async with gate:
            outcome, error = await _attempt(client, url, raw, headers, stats)
        if outcome == "acked":
            return
        if outcome == "refused":
            break  # refused for good: a harness bug, reported as lost
        stats.resends += 1
        await asyncio.sleep(0.2)
    stats.lost.append(f"{body['call_id']} {body['type']}: {error}")


async def _place(
    client: httpx.AsyncClient,
    gate: asyncio.Semaphore,
    serves: list[str],
    secret: str,
    call: Call,
    stats: TrafficStats,
    rng: random.Random,
    give_up_after: float,
) -> None:
    stats.calls_started += 1
    for gap, body in events_of(call, rng):
        await asyncio.sleep(gap)
        await _send(client, gate, serves, secret, body, stats, rng, give_up_after)
    stats.calls_done += 1
    stats.done_marks.append(time.time())


async def drive(
    calls: list[Call],
    serves: list[str],
    secret: str,
    *,
    rate: float,
    seed: int,
    give_up_after: float = 120.0,
    request_timeout: float = 30.0,
    stats: TrafficStats | None = None,
) -> TrafficStats:
    """Place every call, `rate` new calls a second; returns when all have ended. Pass
    `stats` to watch the progress from another task."""
    rng = random.Random(seed)
    stats = stats or TrafficStats()
    stats.started_at = time.time()
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    # The pool checks every pooled connection per request; httpx's own check (anyio builds
    # each socket's attribute table) costs far more than the cheap one.
    transport = pooled_transport(limits=limits)
    gate = asyncio.Semaphore(IN_FLIGHT)
    async with httpx.AsyncClient(timeout=request_timeout, transport=transport) as client:
        tasks = []
        for n, call in enumerate(calls):
            # Absolute schedule: a slow event loop does not stretch the whole run.
            delay = stats.started_at + n / rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(
                asyncio.create_task(
                    _place(client, gate, serves, secret, call, stats, rng, give_up_after)
                )
            )
        await asyncio.gather(*tasks)
    stats.finished_at = time.time()
    return stats
