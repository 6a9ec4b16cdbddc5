"""End to end: signed webhook → stored → delivered by the outbox → recorded by the helpdesk,
as one benchmark, against raw httpx POSTing the same call-log bodies to the same helpdesk at
the same concurrency in the same run.

Each configuration (SQLite with 1 `ringdesk serve`; PostgreSQL with 1, 2 and 4) starts
real serve processes (each runs its outbox worker, as in production) and a recording helpdesk
in its own process. A round posts EVENTS `call.ended` events (one call log each) at
EVENT_CONCURRENCY, spread over the serve processes, and ends when the helpdesk has recorded
the last log; its clock starts at the first event. Reported: events/s accepted (all acked)
and per serve, acknowledgement p50/p99, call logs/s delivered as the helpdesk saw them, and
the ratio delivered/raw, and the serve processes' CPU time per event (from /proc: on a shared,
loaded machine the rates swing with the load, the CPU cost per event much less). With
`--intake-only` the serve processes run no outbox worker and a round ends when the last
event is acknowledged: the intake path alone (webhook → verified → stored → acknowledged).
The raw round re-sends the exact bodies the helpdesk received in
the previous round. Rounds alternate raw and end to end, in swapped order every other round,
because this machine's speed drifts; medians are reported.

With `--baseline DIR` every configuration is measured twice in the same run: first with
the ringdesk of the checkout DIR (its `.venv`, e.g. a `git worktree` of an older commit),
then with this one, so before/after figures share the machine's state.

`python -m bench.e2e [--events N] [--rounds N] [--configs sqlite:1,pg:1,pg:2,pg:4]
[--concurrency N] [--intake-only] [--baseline DIR]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from bench._peer import free_port, start_peer

EVENTS = 600
ROUNDS = 4
CAP = 16  # the template's MaxConcurrentRequests, and the raw client's concurrency
EVENT_CONCURRENCY = 16

# --- the helpdesk: records each call log's arrival time and body -------------------------

_RECORDED: list[tuple[float, bytes]] = []
_OK = b'{"data":{"id":"call-1"}}'


async def _reply(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """POST /calls records; GET /_stats → count and last arrival; POST /_reset clears;
    GET /_bodies → the recorded bodies (JSON list of strings)."""
    if scope["type"] != "http":
        return
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    path = scope["path"]
    if path == "/calls":
        _RECORDED.append((time.time(), b"".join(chunks)))
        await _reply(send, 201, _OK)
    elif path == "/_stats":
        last = _RECORDED[-1][0] if _RECORDED else 0.0
        await _reply(send, 200, json.dumps({"count": len(_RECORDED), "last": last}).encode())
    elif path == "/_reset":
        _RECORDED.clear()
        await _reply(send, 200, b"{}")
    elif path == "/_bodies":
        await _reply(send, 200, json.dumps([b.decode() for _, b in _RECORDED]).encode())
    else:
        await _reply(send, 404, b"{}")


_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<HelpdeskTemplate formatVersion="1">
  <General><Name>Bench e2e</Name><MaxConcurrentRequests>{cap}</MaxConcurrentRequests></General>
  <Authentication method="bearer">
    <Fields><Field type="password" name="api_token" title="Token"/></Fields>
    <Bearer><Token>{{{{.api_token}}}}</Token></Bearer>
  </Authentication>
  <CallLog enabled="true">
    <Request method="POST">
      <Url>{url}/calls</Url>
      <Body><![CDATA[{{"call_id":"{{{{.CallId}}}}","subject":"{{{{.Subject}}}}",\
"description":"{{{{.Description}}}}","status":"{{{{.Call_Log_Status}}}}",\
"from":"{{{{.Call_From}}}}","duration":{{{{.Talk_Duration_Sec}}}},\
"start":"{{{{TimeFormat .StartTimeUnix 'yyyy-MM-ddTHH:mm:ss-z' '1'}}}}"}}]]></Body>
    </Request>
    <Options>
      <Subject enabled="true">{{{{.Communication_Type}}}} call {{{{.Call_From}}}}</Subject>
    </Options>
  </CallLog>
</HelpdeskTemplate>"""


def _configure_with(python: str, db_url: str, key: str, helpdesk: str) -> None:
    """`_configure` run by `python`: the schema and rows of the ringdesk that will serve."""
    if python == sys.executable:
        _configure(db_url, key, helpdesk)
        return
    root = Path(__file__).resolve().parent.parent
    code = f"from bench.e2e import _configure; _configure({db_url!r}, {key!r}, {helpdesk!r})"
    env = {**os.environ, "PYTHONPATH": str(root)}  # bench from here, ringdesk from `python`
    subprocess.run([python, "-c", code], env=env, check=True, cwd=root)


def _configure(db_url: str, key: str, helpdesk: str) -> None:
    """Migrate and add the connected bench integration (as bench/outbox.py does)."""
    from ringdesk.store.crypto import SecretBox
    from ringdesk.store.db import Database
    from ringdesk.store.migrate import upgrade
    from ringdesk.store.tables import Integration, TemplateRow

    upgrade(db_url)
    database = Database(db_url)
    with database.session() as session:
        xml = _TEMPLATE.format(cap=CAP, url=helpdesk)
        session.add(TemplateRow(id="bench-e2e", name="Bench e2e", xml=xml))
        session.flush()
        session.add(
            Integration(
                template_id="bench-e2e",
                name="Bench e2e",
                status="connected",
                secrets=SecretBox(key).encrypt({"api_token": "tok"}),
                options={"ticket": {"enabled": False}},
            )
        )
    database.dispose()


def _event(n: int, tag: str) -> dict[str, Any]:
    return {
        "type": "call.ended",
        "call_id": f"{tag}-{n}",
        "direction": "inbound",
        "from": {"number": "+4930123456", "name": "Ada Lovelace"},
        "to": {"number": "1001"},
        "extension": "1001",
        "timestamp": 1732521600 + n,
        "status": "answered",
        "talk_seconds": 60 + n % 100,
    }


def _event_client() -> httpx.AsyncClient:
    """The PBX side's client. Its pool checks connections with ringdesk's cheap readiness
    poll: with httpx's own, the load generator's CPU at 16 connections competed with the
    server under test on this 2-core machine and capped what was measured. (The raw
    baseline stays plain httpx: it is the yardstick.)"""
    from ringdesk.http.streams import pooled_transport

    return httpx.AsyncClient(timeout=60, transport=pooled_transport())


async def _wait_recorded(peer: httpx.AsyncClient, count: int) -> float:
    """The helpdesk's time of its `count`-th recorded log (waits 10 minutes at most)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        stats = (await peer.get("/_stats")).json()
        if stats["count"] >= count:
            return float(stats["last"])
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the helpdesk recorded {stats['count']} of {count} call logs")


async def _post_events(
    serves: list[str], secret: str, tag: str, events: int, concurrency: int
) -> tuple[float, float, list[float]]:
    """Post `events` signed call.ended events, `concurrency` at a time, spread over the
    serve processes; returns (started, last acknowledged, acknowledgement times)."""
    from ringdesk.events.webhook import SIGNATURE_HEADER, sign

    bodies = [json.dumps(_event(n, tag)).encode() for n in range(events)]
    acks: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    async with _event_client() as client:

        async def post(n: int, raw: bytes) -> None:
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, secret)}
            async with gate:
                began = time.perf_counter()
                response = await client.post(
                    f"{serves[n % len(serves)]}/api/v1/events", content=raw, headers=headers
                )
                acks.append(time.perf_counter() - began)
                response.raise_for_status()

        started = time.time()
        await asyncio.gather(*(post(n, raw) for n, raw in enumerate(bodies)))
        return started, time.time(), acks


async def _e2e_round(
    peer: httpx.AsyncClient,
    serves: list[str],
    secret: str,
    tag: str,
    events: int,
    concurrency: int = EVENT_CONCURRENCY,
) -> dict[str, Any]:
    await peer.post("/_reset")
    started, acked, acks = await _post_events(serves, secret, tag, events, concurrency)
    last = await _wait_recorded(peer, events)
    return {"accept_s": acked - started, "deliver_s": last - started, "acks": acks}


async def _raw_round(peer: httpx.AsyncClient, url: str, bodies: list[str]) -> float:
    await peer.post("/_reset")
    gate = asyncio.Semaphore(CAP)
    async with httpx.AsyncClient(timeout=60) as client:

        async def one(n: int, body: str) -> None:
            headers = {
                "Authorization": "Bearer tok",
                "Content-Type": "application/json",
                "Idempotency-Key": f"raw:{n}",
            }
            async with gate:
                (
                    await client.post(f"{url}/calls", content=body, headers=headers)
                ).raise_for_status()

        started = time.time()
        await asyncio.gather(*(one(n, body) for n, body in enumerate(bodies)))
    return await _wait_recorded(peer, len(bodies)) - started


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of `pids` so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / os.sysconf("SC_CLK_TCK")


async def _intake_round(
    serves: list[str], secret: str, tag: str, events: int, concurrency: int = EVENT_CONCURRENCY
) -> dict[str, Any]:
    """Only the intake: post `events` events; ends when the last is acknowledged."""
    started, acked, acks = await _post_events(serves, secret, tag, events, concurrency)
    return {"accept_s": acked - started, "acks": acks}


async def _measure_intake(
    serves: list[str], pids: list[int], secret: str, rounds: int, events: int, concurrency: int
) -> dict[str, Any]:
    await _intake_round(serves, secret, "warm", events, concurrency)
    done: list[dict[str, Any]] = []
    for n in range(rounds):
        cpu = _cpu_seconds(pids)
        result = await _intake_round(serves, secret, f"r{n}", events, concurrency)
        result["cpu_s"] = _cpu_seconds(pids) - cpu
        done.append(result)
    acks = [a for r in done for a in r["acks"]]
    return {
        "accepted": events / statistics.median(r["accept_s"] for r in done),
        "cpu_ms": 1000 * statistics.median(r["cpu_s"] for r in done) / events,
        "p50": statistics.median(acks) * 1000,
        "p99": _percentile(acks, 0.99) * 1000,
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def _e2e_cpu_round(
    peer: httpx.AsyncClient,
    serves: list[str],
    pids: list[int],
    secret: str,
    tag: str,
    events: int,
    concurrency: int,
) -> dict[str, Any]:
    cpu = _cpu_seconds(pids)
    result = await _e2e_round(peer, serves, secret, tag, events, concurrency)
    result["cpu_s"] = _cpu_seconds(pids) - cpu
    return result


async def _measure(
    helpdesk: str,
    serves: list[str],
    pids: list[int],
    secret: str,
    rounds: int,
    events: int,
    concurrency: int,
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=helpdesk, timeout=30) as peer:
        await _e2e_round(
            peer, serves, secret, "warm", events, concurrency
        )  # not counted: everything gets warm
        bodies = (await peer.get("/_bodies")).json()
        await _raw_round(peer, helpdesk, bodies)
        e2e: list[dict[str, Any]] = []
        raw: list[float] = []
        for n in range(rounds):
            if n % 2:
                e2e.append(
                    await _e2e_cpu_round(peer, serves, pids, secret, f"r{n}", events, concurrency)
                )
                bodies = (await peer.get("/_bodies")).json()
                raw.append(await _raw_round(peer, helpdesk, bodies))
            else:
                raw.append(await _raw_round(peer, helpdesk, bodies))
                e2e.append(
                    await _e2e_cpu_round(peer, serves, pids, secret, f"r{n}", events, concurrency)
                )
                bodies = (await peer.get("/_bodies")).json()
    acks = [a for r in e2e for a in r["acks"]]
    return {
        "accepted": events / statistics.median(r["accept_s"] for r in e2e),
        "delivered": events / statistics.median(r["deliver_s"] for r in e2e),
        "raw": events / statistics.median(raw),
        "ratios": sorted(r / e["deliver_s"] for r, e in zip(raw, e2e, strict=True)),
        "p50": statistics.median(acks) * 1000,
        "p99": _percentile(acks, 0.99) * 1000,
        "cpu_ms": 1000 * statistics.median(r["cpu_s"] for r in e2e) / events,
    }


def _run_config(
    kind: str,
    serves: int,
    rounds: int,
    events: int,
    *,
    intake_only: bool = False,
    python: str = sys.executable,
    concurrency: int = EVENT_CONCURRENCY,
) -> dict[str, Any]:
    from cryptography.fernet import Fernet
    from soak.pg import create_database, postgres_server
    from soak.processes import Supervisor

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-e2e-")))
        if kind == "pg":
            db_url = create_database(stack.enter_context(postgres_server()))
        else:
            db_url = f"sqlite:///{tmp / 'bench.db'}"
        port = free_port()
        peer = start_peer("bench.e2e:app", port)
        stack.callback(peer.wait, timeout=10)
        stack.callback(peer.terminate)
        helpdesk = f"http://127.0.0.1:{port}"
        key, secret = Fernet.generate_key().decode(), secrets.token_hex(16)
        _configure_with(python, db_url, key, helpdesk)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RINGDESK_")},
            "RINGDESK_DATABASE_URL": db_url,
            "RINGDESK_SECRET_KEY": key,
            "RINGDESK_WEBHOOK_SECRET": secret,
            "RINGDESK_DATA_DIR": str(tmp),
            "RINGDESK_ALLOW_PRIVATE_NETWORKS": "true",
            "RINGDESK_RUN_WORKERS": "false" if intake_only else "true",
        }
        (tmp / "logs").mkdir()
        sup = Supervisor(env, tmp / "logs", python=python)
        stack.callback(sup.stop_all)
        for index in range(serves):
            sup.add_serve(index, free_port())
        sup.start_all()
        urls = [s.url for s in sup.serves]
        pids = [s.proc.pid for s in sup.serves if s.proc is not None]
        if intake_only:
            return asyncio.run(_measure_intake(urls, pids, secret, rounds, events, concurrency))
        result = asyncio.run(_measure(helpdesk, urls, pids, secret, rounds, events, concurrency))
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e")
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--configs", default="sqlite:1,pg:1,pg:2,pg:4")
    parser.add_argument(
        "--concurrency", type=int, default=EVENT_CONCURRENCY, help="events posted at a time"
    )
    parser.add_argument(
        "--intake-only", action="store_true", help="no outbox workers: measure the intake alone"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a checkout (with its .venv) measured first in the same run, e.g. an older commit",
    )
    args = parser.parse_args(argv if argv is not None else [])
    variants = [("", sys.executable)]
    if args.baseline is not None:
        variants.insert(0, (" before", str(args.baseline.resolve() / ".venv" / "bin" / "python")))
    if args.intake_only:
        _main_intake(args, variants)
        return
    print(
        f"{args.events} call.ended events per round, {args.rounds} rounds, events posted "
        f"{args.concurrency} at a time, template cap {CAP} = raw concurrency"
    )
    header = (
        f"{'config':17} {'accepted/s':>10} {'per serve':>9} {'ack p50':>8} {'ack p99':>8} "
        f"{'logs/s':>7} {'raw/s':>7} {'ratio':>6} {'cpu ms/ev':>9}  per-round ratios"
    )
    print(header)
    for config in args.configs.split(","):
        kind, _, count = config.partition(":")
        serves = int(count or 1)
        for label, python in variants:
            result = _run_config(
                kind, serves, args.rounds, args.events, python=python, concurrency=args.concurrency
            )
            ratio = statistics.median(result["ratios"])
            print(
                f"{kind + ' x' + str(serves) + label:17} {result['accepted']:10.0f} "
                f"{result['accepted'] / serves:9.0f} {result['p50']:6.0f}ms "
                f"{result['p99']:6.0f}ms {result['delivered']:7.0f} {result['raw']:7.0f} "
                f"{ratio:6.2f} {result['cpu_ms']:9.2f}  "
                + ", ".join(f"{r:.2f}" for r in result["ratios"]),
                flush=True,
            )


def _main_intake(args: argparse.Namespace, variants: list[tuple[str, str]]) -> None:
    print(
        f"intake only: {args.events} call.ended events per round, {args.rounds} rounds, posted "
        f"{args.concurrency} at a time, no outbox worker"
    )
    print(
        f"{'config':17} {'accepted/s':>10} {'per serve':>9} {'ack p50':>8} {'ack p99':>8} "
        f"{'cpu ms/ev':>9} {'ev/s per cpu-s':>14}"
    )
    for config in args.configs.split(","):
        kind, _, count = config.partition(":")
        serves = int(count or 1)
        for label, python in variants:
            result = _run_config(
                kind,
                serves,
                args.rounds,
                args.events,
                intake_only=True,
                python=python,
                concurrency=args.concurrency,
            )
            print(
                f"{kind + ' x' + str(serves) + label:17} {result['accepted']:10.0f} "
                f"{result['accepted'] / serves:9.0f} {result['p50']:6.1f}ms "
                f"{result['p99']:6.1f}ms {result['cpu_ms']:9.2f} {1000 / result['cpu_ms']:14.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
