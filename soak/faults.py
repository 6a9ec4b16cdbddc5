"""What the helpdesk does wrong during a soak run, and when: bursts of 503 and 429 with
Retry-After, connections dropped after the work was done, slow windows, access tokens
expired or revoked. `schedule` is pure (seeded); `inject` plays it against the demo
helpdesk's `/_demo/*` hooks and counts what it did.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["Fault", "FaultPlan", "inject", "schedule"]


@dataclass(frozen=True)
class Fault:
    """At `at` seconds into the run: `kind` with its settings."""

    at: float
    kind: str  # burst503 | burst429 | drop | slow | expire | revoke
    count: int = 0
    retry_after: float = 0.0
    latency_ms: int = 0
    seconds: float = 0.0  # how long a slow window lasts


@dataclass(frozen=True)
class FaultPlan:
    """Knobs of `schedule`: `duration` of the traffic, a random fault about every
    `every` seconds, `expiries` token expiries spread evenly, a revocation every
    `revoke_every` seconds (0: none), slow windows only when `slow`, and every request
    delayed by at least `latency_ms` the whole time (0: a fast helpdesk)."""

    duration: float
    every: float = 8.0
    expiries: int = 4
    revoke_every: float = 0.0
    slow: bool = False
    latency_ms: int = 0


def schedule(plan: FaultPlan, seed: int) -> list[Fault]:
    """The run's faults in time order."""
    rng = random.Random(seed)
    faults: list[Fault] = []
    kinds = ["burst503", "burst429", "drop", *(["slow"] if plan.slow else [])]
    at = rng.uniform(0.5, 1.5) * plan.every
    while plan.every > 0 and at < plan.duration:
        kind = rng.choice(kinds)
        if kind == "slow":
            faults.append(
                Fault(at, kind, latency_ms=rng.randrange(1500, 4000), seconds=rng.uniform(5, 15))
            )
        elif kind == "drop":
            faults.append(Fault(at, kind, count=rng.randrange(3, 9)))
        else:
            retry_after = float(rng.randrange(1, 4))
            faults.append(Fault(at, kind, count=rng.randrange(10, 31), retry_after=retry_after))
        at += rng.uniform(0.5, 1.5) * plan.every
    for n in range(plan.expiries):
        faults.append(Fault(plan.duration * (n + 0.5) / plan.expiries, "expire"))
    if plan.revoke_every > 0:
        at = plan.revoke_every
        while at < plan.duration:
            faults.append(Fault(at, "revoke"))
            at += plan.revoke_every
    return sorted(faults, key=lambda f: f.at)


@dataclass
class Injected:
    """What `inject` did: counts per kind and a timeline for the report."""

    counts: Counter[str] = field(default_factory=Counter)
    timeline: list[tuple[float, str]] = field(default_factory=list)
    missed: Counter[str] = field(default_factory=Counter)  # faults the helpdesk never took


async def _post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any] | None = None, *, tries: int = 5
) -> None:
    """POST a fault hook, retried: on a loaded machine the helpdesk (which also serves all
    of ringdesk's requests) can take seconds to accept a connection, and a fault that
    arrives late must not abort the whole run."""
    for attempt in range(tries):
        try:
            response = await client.post(path, json=body or {})
            response.raise_for_status()
            return
        except httpx.TransportError:
            if attempt == tries - 1:
                raise
            await asyncio.sleep(0.5 * 2**attempt)


async def inject(
    helpdesk: str, faults: list[Fault], stop: asyncio.Event, *, base_latency_ms: int = 0
) -> Injected:
    """Play `faults` from now until done or `stop` is set, every request delayed by at
    least `base_latency_ms`; then clear every fault."""
    done = Injected()
    began = time.monotonic()
    latency, slow_until = base_latency_ms, 0.0
    async with httpx.AsyncClient(base_url=helpdesk, timeout=30) as client:
        try:
            if base_latency_ms:
                await _post(client, "/_demo/faults", {"latency_ms": base_latency_ms})
            for fault in faults:
                while not stop.is_set():
                    now = time.monotonic() - began
                    if latency != base_latency_ms and now >= slow_until:
                        latency = base_latency_ms
                        await _post(client, "/_demo/faults", {"latency_ms": latency})
                    if now >= fault.at:
                        break
                    await asyncio.sleep(min(0.5, fault.at - now))
                if stop.is_set():
                    break
                try:
                    latency = await _apply(client, fault, latency, base_latency_ms)
                except httpx.TransportError:
                    done.missed[fault.kind] += 1  # reported; the run goes on
                    continue
                if fault.kind == "slow":
                    slow_until = fault.at + fault.seconds
                done.counts[fault.kind] += 1
                done.timeline.append((fault.at, fault.kind))
        finally:
            await _post(client, "/_demo/faults", {}, tries=8)
    return done


async def _apply(client: httpx.AsyncClient, fault: Fault, latency: int, base: int) -> int:
    """Play one fault; returns the helpdesk's request latency from now on."""
    if fault.kind == "expire":
        await _post(client, "/_demo/expire-tokens")
    elif fault.kind == "revoke":
        await _post(client, "/_demo/revoke-tokens")
    elif fault.kind == "slow":
        latency = max(base, fault.latency_ms)
        await _post(client, "/_demo/faults", {"latency_ms": latency})
    elif fault.kind == "drop":
        await _post(client, "/_demo/faults", {"drop": fault.count, "latency_ms": latency})
    else:
        body = {
            "status": 503 if fault.kind == "burst503" else 429,
            "count": fault.count,
            "retry_after": fault.retry_after,
            "latency_ms": latency,
        }
        await _post(client, "/_demo/faults", body)
    return latency
