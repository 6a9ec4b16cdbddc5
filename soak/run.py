"""One soak run, start to finish: PostgreSQL, the helpdesk, ringdesk's processes, the
traffic with kills and faults, the drain, the checks, the report; everything started is
stopped and every temporary file removed, also on failure or Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from soak.checks import check_all
from soak.connect import connect_integration, tie_extensions
from soak.faults import FaultPlan, Injected, inject, schedule
from soak.observe import Database, log_errors
from soak.options import SoakOptions
from soak.pg import create_database, postgres_server
from soak.plan import plan_calls
from soak.processes import Supervisor, free_port, ringdesk_cli, rss_bytes
from soak.report import latency_summary, render
from soak.traffic import TrafficStats, drive

__all__ = ["run", "start_helpdesk"]

CAP = 4  # <MaxConcurrentRequests> of the built-in demo_oauth template


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def start_helpdesk(port: int, known: int, log: Path) -> subprocess.Popen[bytes]:
    """`python -m soak.helpdesk` on 127.0.0.1:`port`, once it answers."""
    root = Path(__file__).resolve().parent.parent
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "soak.helpdesk", "--port", str(port), "--known", str(known)],
            cwd=root,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    deadline = time.monotonic() + 90  # a loaded 2-core machine starts Python slowly
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_demo/state", timeout=2).raise_for_status()
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the helpdesk did not start; see {log}")


@dataclass
class Watch:
    """What the sampler saw while the traffic ran."""

    rss: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    rss_early: int | None = None
    idle_samples: int = 0
    idle_examples: dict[str, str] = field(default_factory=dict)  # backend pid → entry
    kills: list[tuple[float, str]] = field(default_factory=list)
    died: Counter[str] = field(default_factory=Counter)


async def _killer(
    sup: Supervisor, opts: SoakOptions, stop: asyncio.Event, watch: Watch, began: float
) -> None:
    rng = random.Random(opts.seed * 7919)
    if opts.kill_every <= 0:
        return
    while not stop.is_set():
        wait = rng.uniform(0.7, 1.3) * opts.kill_every
        try:
            await asyncio.wait_for(stop.wait(), timeout=wait)
            return
        except TimeoutError:
            pass
        if opts.max_kills and len(watch.kills) >= opts.max_kills:
            return
        slot = await asyncio.to_thread(sup.kill_random, rng)
        if slot is not None:
            watch.kills.append((round(time.time() - began, 1), slot.name))


async def _sampler(
    sup: Supervisor,
    db: Database,
    stop: asyncio.Event,
    stats: TrafficStats,
    watch: Watch,
    early_mark: int,
) -> None:
    witness = sup.serves[0]
    while not stop.is_set():
        for slot in sup.slots:
            if slot.proc is None:
                continue
            if slot.proc.poll() is not None and slot.proc.returncode != -9:
                # Died by itself (not our SIGKILL): note it and start it again.
                watch.died[f"{slot.name} exit {slot.proc.returncode}"] += 1
                await asyncio.to_thread(sup.start, slot)
                continue
            size = rss_bytes(slot.proc.pid)
            if size is not None and slot.port is not None:
                watch.rss.setdefault(slot.name, []).append((time.time(), size))
        if watch.rss_early is None and stats.calls_done >= early_mark and witness.proc:
            watch.rss_early = rss_bytes(witness.proc.pid)
        try:
            idle = await asyncio.to_thread(db.idle_in_transaction)
        except Exception as exc:  # the database is part of what is tested: note, go on
            idle = [("?", f"cannot read pg_stat_activity: {exc}")]
        if idle:
            watch.idle_samples += 1
            for pid, entry in idle:
                # One entry per session, the latest (its age grows from sample to sample).
                watch.idle_examples[pid] = entry
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=2)


async def _traffic_phase(
    opts: SoakOptions, sup: Supervisor, db: Database, helpdesk: str, secret: str, calls: Any
) -> tuple[TrafficStats, Injected, Watch]:
    began = time.time()
    stop = asyncio.Event()
    stats, watch = TrafficStats(), Watch()
    plan = FaultPlan(
        duration=len(calls) / opts.rate,
        every=opts.fault_every,
        expiries=opts.expiries,
        revoke_every=opts.revoke_every,
        slow=opts.slow_helpdesk,
        latency_ms=opts.latency_ms,
    )
    injector = asyncio.create_task(
        inject(helpdesk, schedule(plan, opts.seed), stop, base_latency_ms=opts.latency_ms)
    )
    killer = asyncio.create_task(_killer(sup, opts, stop, watch, began))
    early_mark = min(500, max(1, len(calls) // 4))
    sampler = asyncio.create_task(_sampler(sup, db, stop, stats, watch, early_mark))
    serves = [slot.url for slot in sup.serves]
    try:
        await drive(calls, serves, secret, rate=opts.rate, seed=opts.seed, stats=stats)
    finally:
        stop.set()
        injected = await injector
        await killer
        await sampler
    return stats, injected, watch


def _drain(db: Database, sup: Supervisor, timeout: float) -> tuple[float, int]:
    """Wait until no job is pending or running (bounded); returns (seconds, left)."""
    started = time.monotonic()
    left = db.undelivered()
    while left and time.monotonic() - started < timeout:
        for slot in sup.slots:
            if not slot.alive():
                sup.start(slot)
        time.sleep(1)
        left = db.undelivered()
    return time.monotonic() - started, left


def _delivery(arrivals: list[list[Any]], began: float, ended: float) -> dict[str, Any]:
    logs = sorted(float(a[0]) for a in arrivals if a[1] == "calls")
    everything = sorted(float(a[0]) for a in arrivals if a[0] >= began)
    gaps = [b - a for a, b in itertools.pairwise(everything)]
    longest = max(gaps, default=0.0)
    at = everything[gaps.index(longest)] - began if gaps else 0.0
    span = (logs[-1] - logs[0]) if len(logs) > 1 else 0.0
    return {
        "call logs received": len(logs),
        "call logs/s (first to last)": round(len(logs) / span, 1) if span else 0.0,
        "longest gap between deliveries s": round(longest, 1),
        "longest gap starts at s": round(at, 1),
        "last delivery at s": round(everything[-1] - began, 1) if everything else None,
        "no delivery for the last s of the run": round(
            ended - (everything[-1] if everything else began), 1
        ),
    }


def _memory(watch: Watch, witness: str, end: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        f"{witness} (never killed) after first calls MB": round((watch.rss_early or 0) / 1e6, 1),
        f"{witness} at the end MB": round((end or 0) / 1e6, 1),
    }
    for name, samples in sorted(watch.rss.items()):
        sizes = [s for _, s in samples]
        out[f"{name} RSS min/max MB"] = f"{min(sizes) / 1e6:.0f}/{max(sizes) / 1e6:.0f}"
    return out


def run(opts: SoakOptions) -> int:
    """The whole soak; returns the exit code (0: every check passed)."""
    workdir = Path(tempfile.mkdtemp(prefix="ringdesk-soak-"))
    logdir = workdir / "logs"
    logdir.mkdir()
    try:
        with ExitStack() as stack:
            server = stack.enter_context(postgres_server())
            db_url = create_database(server)
            return _run(opts, workdir, logdir, db_url, stack)
    finally:
        if opts.keep_logs is not None:
            shutil.copytree(logdir, opts.keep_logs, dirs_exist_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)


def _base_env() -> dict[str, str]:
    """The harness's environment less any RINGDESK_* setting of the caller's own."""
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("RINGDESK_")}


def _stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _summary(
    opts: SoakOptions,
    began: float,
    stats: TrafficStats,
    injected: Injected,
    watch: Watch,
    state: dict[str, Any],
    jobs: list[dict[str, Any]],
    events: list[dict[str, Any]],
    drained: float,
    left: int,
    rss_end: int | None,
    sup: Supervisor,
) -> dict[str, Any]:
    per_serve = {url: latency_summary(v) for url, v in sorted(stats.ack_seconds.items())}
    all_acks = [x for v in stats.ack_seconds.values() for x in v]
    unprocessed = Counter(str(e["type"]) for e in events if e["processed_at"] is None)
    attempts = Counter(str(j["kind"]) for j in jobs for _ in range(max(0, j["attempts"] - 1)))
    return {
        "run": {
            "calls": opts.calls,
            "seed": opts.seed,
            "serve/workers": f"{opts.serve}/{opts.workers}",
            "helpdesk latency ms (whole traffic)": opts.latency_ms,
            "traffic seconds": round(stats.finished_at - began, 1),
            "drain seconds": round(drained, 1),
            "jobs left undelivered after the drain": left,
        },
        "kills": {
            "SIGKILLs": len(watch.kills),
            "per process": dict(Counter(name for _, name in watch.kills)),
            "died on their own": dict(watch.died),
            "first kills (s into the run)": watch.kills[:8],
        },
        "faults": {
            "injected": dict(injected.counts),
            "not taken by the helpdesk (hook unreachable)": dict(injected.missed),
            "requests failed on purpose (503/429)": state.get("failed_on_purpose"),
            "connections dropped after processing": state.get("dropped"),
            "token expiries / revocations": (
                f"{state.get('token_expiries')} / {state.get('token_revocations')}"
            ),
            "token refreshes": state.get("token_refreshes"),
            "helpdesk API requests": state.get("requests"),
        },
        "traffic": {
            "events sent/acked/resent": (
                f"{stats.events_sent}/{stats.events_acked}/{stats.resends}"
            ),
            "ack latency (all serves)": latency_summary(all_acks),
            **{f"ack latency {url}": value for url, value in per_serve.items()},
        },
        "delivery": {
            **_delivery(state.get("arrivals", []), began, time.time()),
            "retries per job kind (attempts beyond the first)": dict(attempts),
        },
        "memory": _memory(watch, sup.serves[0].name, rss_end),
        "evidence": {
            "samples with a session idle in transaction > 5 s": watch.idle_samples,
            "sessions idle in transaction (latest sample each)": list(watch.idle_examples.values())[
                :5
            ],
            "events whose live work never finished (processed_at NULL)": dict(unprocessed),
            "log errors": log_errors([slot.log for slot in sup.slots]),
        },
    }


def _run(opts: SoakOptions, workdir: Path, logdir: Path, db_url: str, stack: ExitStack) -> int:
    from cryptography.fernet import Fernet

    serve_ports = [free_port() for _ in range(opts.serve)]
    secret = secrets.token_hex(16)
    env = {
        **_base_env(),
        "RINGDESK_DATABASE_URL": db_url,
        "RINGDESK_SECRET_KEY": Fernet.generate_key().decode(),
        "RINGDESK_WEBHOOK_SECRET": secret,
        "RINGDESK_DATA_DIR": str(workdir),
        "RINGDESK_ALLOW_PRIVATE_NETWORKS": "true",
        "RINGDESK_PUBLIC_URL": f"http://127.0.0.1:{serve_ports[0]}",
        "PYTHONUNBUFFERED": "1",
    }
    say(f"soak: migrating {db_url.rsplit('@', 1)[-1]}")
    ringdesk_cli(env, "db", "upgrade")
    helpdesk_port = free_port()
    helpdesk = f"http://127.0.0.1:{helpdesk_port}"
    hd = start_helpdesk(helpdesk_port, opts.known_contacts, logdir / "helpdesk.log")
    stack.callback(_stop_process, hd)
    token = ringdesk_cli(env, "admin", "create-token", "--label", "soak")
    sup = Supervisor(env, logdir)
    stack.callback(sup.stop_all)
    for index, port in enumerate(serve_ports):
        # serve-0 is never killed: its RSS over the whole run is the memory check.
        sup.add_serve(index, port, killable=index > 0)
    for index in range(opts.workers):
        sup.add_worker(index)
    sup.start_all()
    say(f"soak: {opts.serve} serve + {opts.workers} workers up; connecting the helpdesk")
    with httpx.Client(
        base_url=sup.serves[0].url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as api:
        tie_extensions(api)
        integration_id = connect_integration(api, helpdesk)
    db = Database(db_url)
    stack.callback(db.dispose)
    calls = plan_calls(opts.calls, seed=opts.seed, known_contacts=opts.known_contacts)
    say(f"soak: integration {integration_id} connected; placing {len(calls)} calls")
    began = time.time()
    stats, injected, watch = asyncio.run(_traffic_phase(opts, sup, db, helpdesk, secret, calls))
    say(f"soak: traffic done in {stats.finished_at - began:.0f} s; draining the outbox")
    drained, left = _drain(db, sup, opts.drain_timeout)
    witness = sup.serves[0]
    rss_end = rss_bytes(witness.proc.pid) if witness.proc else None
    state = httpx.get(f"{helpdesk}/_demo/state", timeout=60).json()
    jobs = db.jobs()
    events = db.events()
    checks = check_all(
        calls,
        state,
        jobs,
        cap=CAP,
        rss=(watch.rss_early, rss_end),
        lost_events=stats.lost,
        events_sent=stats.events_sent,
    )
    summary = _summary(
        opts, began, stats, injected, watch, state, jobs, events, drained, left, rss_end, sup
    )
    text, data = render(summary, checks)
    print(text, flush=True)
    if opts.report_json is not None:
        opts.report_json.write_text(json.dumps(data, indent=2, default=str))
    return 0 if data["ok"] else 1
