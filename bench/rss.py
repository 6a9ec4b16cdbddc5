"""Memory of `ringdesk serve` as calls go through it (issue 12: flat memory).

Starts `ringdesk serve` on SQLite and the demo helpdesk (the soak run's, seeded with known
callers), connects it through the admin API (OAuth2), then places calls through the signed
webhook (ringing / answered / ended; 70 % known answered, 20 % known missed, 10 % unknown
callers) and samples the serve process's RSS once idle, after the first `--first` calls and
after all `--calls`, each time once the outbox has drained. The goal: RSS after all calls
within 10 % of RSS after the first ones.

`python -m bench.rss [--calls 10000] [--first 500] [--trace DIR]`

`--trace DIR` runs the serve under tracemalloc and writes a snapshot at each sample; the
lines whose allocations grew most between the samples are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
from soak.connect import connect_integration, tie_extensions
from soak.plan import Call, plan_calls
from soak.processes import Managed, Supervisor, free_port, ringdesk_cli, rss_bytes
from soak.run import start_helpdesk

from ringdesk.events.webhook import SIGNATURE_HEADER, sign

__all__ = ["main"]

KNOWN = 200
MB = 1024 * 1024
# Calls in progress at once. Each call's events go in order, one after the other; the
# client's pool has exactly this many connections, so no request ever queues in it (a queue
# of thousands costs httpcore quadratic CPU: the driver, not ringdesk, became the limit).
CONCURRENT_CALLS = 12


def _say(text: str) -> None:
    print(text, flush=True)


def _events(call: Call) -> list[dict[str, object]]:
    base: dict[str, object] = {
        "call_id": call.call_id,
        "direction": "inbound",
        "from": {"number": call.number, "name": call.name},
        "to": {"number": call.extension},
        "extension": call.extension,
    }
    ended: dict[str, object] = (
        {"status": "answered", "talk_seconds": call.talk_seconds, "answered_by": call.extension}
        if call.answered
        else {"status": "missed", "talk_seconds": 0, "ring_seconds": 20}
    )
    middle: list[dict[str, object]] = [{**base, "type": "call.answered"}] if call.answered else []
    return [{**base, "type": "call.ringing"}, *middle, {**base, "type": "call.ended", **ended}]


async def _place(url: str, secret: str, calls: list[Call]) -> int:
    """Send every call's events through the signed webhook, CONCURRENT_CALLS calls at a
    time; returns how many events were acknowledged (anything else raises)."""
    queue: asyncio.Queue[Call] = asyncio.Queue()
    for call in calls:
        queue.put_nowait(call)
    acked = [0]
    limits = httpx.Limits(max_connections=CONCURRENT_CALLS)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def caller() -> None:
            while not queue.empty():
                call = queue.get_nowait()
                for event in _events(call):
                    raw = json.dumps({**event, "timestamp": int(time.time())}).encode()
                    headers = {
                        "Content-Type": "application/json",
                        SIGNATURE_HEADER: sign(raw, secret),
                    }
                    response = await client.post("/api/v1/events", content=raw, headers=headers)
                    response.raise_for_status()
                    acked[0] += 1

        await asyncio.gather(*(caller() for _ in range(CONCURRENT_CALLS)))
    return acked[0]


def _backlog(db_file: Path) -> int:
    """Outbox jobs not yet finished (pending or running)."""
    with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=30) as conn:
        row = conn.execute(
            "SELECT count(*) FROM outbox WHERE status IN ('pending', 'running')"
        ).fetchone()
    return int(row[0])


def _drain(db_file: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _backlog(db_file) == 0:
            return
        time.sleep(0.5)
    raise RuntimeError(f"the outbox still holds {_backlog(db_file)} jobs after {timeout} s")


def _rss(pid: int, settle: float = 3.0) -> float:
    """Median of RSS samples over `settle` seconds, in MB."""
    samples = []
    for _ in range(int(settle / 0.25)):
        value = rss_bytes(pid)
        if value is None:
            raise RuntimeError("the serve process is gone")
        samples.append(value / MB)
        time.sleep(0.25)
    return statistics.median(samples)


def _signal(proc: subprocess.Popen[bytes], marker: Path) -> None:
    """SIGUSR1 to the traced serve; wait until it wrote `marker`."""
    proc.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 300
    while not marker.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the traced serve wrote no {marker.name}")
        time.sleep(0.2)


def _growth(trace: Path, top: int = 25) -> None:
    """What was allocated after the first calls and is still alive after the rest."""
    import tracemalloc

    snapshot = tracemalloc.Snapshot.load(str(trace / "snapshot-1.pickle"))
    stats = snapshot.statistics("traceback")
    total = sum(stat.size for stat in stats)
    _say(f"\ntracemalloc: {total / MB:.1f} MB allocated after the first calls still alive")
    for stat in stats[:top]:
        _say(f"{stat.size / 1024:9.1f} KiB {stat.count:7d} blocks")
        for line in stat.traceback.format(limit=8):
            _say(f"    {line}")


def run(calls: int, first: int, trace: Path | None) -> dict[str, float]:
    from cryptography.fernet import Fernet

    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-rss-")))
        db_file = workdir / "ringdesk.db"
        port, secret = free_port(), secrets.token_hex(16)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RINGDESK_")},
            "RINGDESK_DATABASE_URL": f"sqlite:///{db_file}",
            "RINGDESK_SECRET_KEY": Fernet.generate_key().decode(),
            "RINGDESK_WEBHOOK_SECRET": secret,
            "RINGDESK_DATA_DIR": str(workdir),
            "RINGDESK_ALLOW_PRIVATE_NETWORKS": "true",
            "RINGDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "PYTHONUNBUFFERED": "1",
        }
        ringdesk_cli(env, "db", "upgrade")
        token = ringdesk_cli(env, "admin", "create-token", "--name", "bench-rss")
        helpdesk_port = free_port()
        helpdesk = f"http://127.0.0.1:{helpdesk_port}"
        desk = start_helpdesk(helpdesk_port, KNOWN, workdir / "helpdesk.log")
        stack.callback(desk.kill)
        sup = Supervisor(env, workdir)
        stack.callback(sup.stop_all)
        if trace is None:
            slot = sup.add_serve(0, port, killable=False)
        else:
            trace.mkdir(parents=True, exist_ok=True)
            argv = [sys.executable, "-m", "bench._traced_serve", str(trace), "serve"]
            slot = Managed("serve-0", [*argv, "--port", str(port)], workdir / "serve.log", port)
            sup.slots.append(slot)
        sup.start_all()
        assert slot.proc is not None  # noqa: S101  (started above)
        with httpx.Client(
            base_url=slot.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as api:
            tie_extensions(api)
            connect_integration(api, helpdesk)
        time.sleep(2)
        figures = {"idle": _rss(slot.proc.pid)}
        _say(f"idle: {figures['idle']:.1f} MB")
        plan = plan_calls(calls, seed=12, known_contacts=KNOWN)
        phases = [("first", plan[:first]), ("all", plan[first:])]
        for name, batch in phases:
            began = time.monotonic()
            asyncio.run(_place(slot.url, secret, batch))
            _drain(db_file)
            figures[name] = _rss(slot.proc.pid)
            done = first if name == "first" else calls
            _say(
                f"after {done} calls: {figures[name]:.1f} MB "
                f"({len(batch)} calls in {time.monotonic() - began:.0f} s)"
            )
            if trace is not None:  # tracing starts after the first calls: their growth is all
                marker = "tracing" if name == "first" else "snapshot-1.done"
                _signal(slot.proc, trace / marker)
        if trace is not None:
            _growth(trace)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rss")
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--first", type=int, default=500)
    parser.add_argument("--trace", type=Path, default=None)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    # A SIGTERM unwinds like an error, so the serve and the helpdesk are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    figures = run(args.calls, args.first, args.trace)
    growth = figures["all"] / figures["first"] - 1
    _say(
        f"RSS of ringdesk serve: idle {figures['idle']:.1f} MB, after {args.first} calls "
        f"{figures['first']:.1f} MB, after {args.calls} calls {figures['all']:.1f} MB "
        f"({growth:+.1%}; goal within 10 %)"
    )


if __name__ == "__main__":
    main()
