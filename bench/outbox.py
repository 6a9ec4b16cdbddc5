"""Outbox delivery throughput: 1 000 call logs queued in the outbox and delivered by the
worker (claim under lease, render at delivery, executor with auth/cap/request log, record
the outcome) vs raw `httpx.AsyncClient` POSTing the same rendered bodies with the same
Idempotency-Key headers, same concurrency, same run. Prints the ratio (goal >= 0.9).

The worker runs for the whole benchmark, as it does in `ringdesk serve`; a round's clock
starts when its jobs are released to the worker and stops when the last one is recorded as
done. Rounds alternate raw and outbox, in swapped order every other round, because this
machine's speed drifts by tens of percent within a minute; the median of the rounds'
ratios is the result.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench._peer import free_port, start_peer
from bench._setup import migrated_settings

JOBS = 1_000
CONCURRENCY = 16
ROUNDS = 6

_BODY = b'{"data":{"id":"call-1"}}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The peer: reads the request body and answers 201 with a small JSON object."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(_BODY)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _BODY})


_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<HelpdeskTemplate formatVersion="1">
  <General><Name>Bench</Name><MaxConcurrentRequests>{cap}</MaxConcurrentRequests></General>
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


async def _raw(url: str, bodies: list[tuple[str, str]]) -> float:
    gate = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient() as client:

        async def one(key: str, body: str) -> None:
            async with gate:
                response = await client.post(
                    url,
                    content=body,
                    headers={
                        "Authorization": "Bearer tok",
                        "Content-Type": "application/json",
                        "Idempotency-Key": key,
                    },
                )
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(key, body) for key, body in bodies))
        return time.perf_counter() - started


_HELD = 1e12  # due in 30 000 years: queued but not yet released to the worker


def _queue(state: Any, integration_id: int, tag: str) -> None:
    """Queue the round's jobs, held back until `_release`."""
    from ringdesk.store.outbox import enqueue

    with state.database.session() as session:
        for n in range(JOBS):
            enqueue(
                session,
                kind="call_log",
                integration_id=integration_id,
                call_id=f"{tag}-{n}",
                idempotency_key=f"call_log:{integration_id}:{tag}-{n}:",
                payload={
                    "event": _event(n, tag),
                    "extension": "1001",
                    "owner": "",
                    "extension_name": "",
                },
                now=_HELD,
            )


def _release(state: Any) -> None:
    """Make the held jobs due: one UPDATE, so the clock starts just before they can run."""
    from sqlalchemy import update

    from ringdesk.store.tables import OutboxJob

    with state.database.engine.begin() as connection:
        connection.execute(
            update(OutboxJob).where(OutboxJob.next_attempt_at == _HELD).values(next_attempt_at=0)
        )


def _undelivered(state: Any) -> bool:
    """Whether a job is still pending or running: one indexed probe (a COUNT over the whole
    table every 50 ms would charge the outbox for the benchmark's own polling)."""
    from sqlalchemy import select

    from ringdesk.store.tables import OutboxJob

    probe = select(OutboxJob.id).where(OutboxJob.status.in_(("pending", "running"))).limit(1)
    with state.database.engine.connect() as connection:
        return connection.execute(probe).first() is not None


def _failed(state: Any) -> int:
    from sqlalchemy import func, select

    from ringdesk.store.tables import OutboxJob

    with state.database.session() as session:
        return int(
            session.scalar(select(func.count(OutboxJob.id)).where(OutboxJob.status != "done")) or 0
        )


async def _outbox(state: Any, worker: Any, integration_id: int, tag: str) -> float:
    await asyncio.to_thread(_queue, state, integration_id, tag)
    started = time.time()
    await asyncio.to_thread(_release, state)
    worker.wake()
    # Polled rarely (each poll is work in this process too); the round ends when its last
    # job was recorded as done, which the worker stamps on the job.
    while await asyncio.to_thread(_undelivered, state):  # noqa: ASYNC110  (polls the DB)
        await asyncio.sleep(0.1)
    if await asyncio.to_thread(_failed, state):
        raise RuntimeError("the outbox did not deliver every job")
    return await asyncio.to_thread(_last_done, state) - started


def _last_done(state: Any) -> float:
    from sqlalchemy import func, select

    from ringdesk.store.tables import OutboxJob

    with state.database.engine.connect() as connection:
        return float(connection.execute(select(func.max(OutboxJob.done_at))).scalar_one())


def _rendered(state: Any, ctx: Any, tag: str) -> list[tuple[str, str]]:
    """The bodies the outbox sends, rendered up front for the raw baseline."""
    from ringdesk.events.model import CallEvent
    from ringdesk.expressions import gotemplate
    from ringdesk.flows.variables import call_variables

    options = ctx.options.call_log
    body = ctx.template.call_log.request.body
    out = []
    for n in range(JOBS):
        variables = call_variables(
            CallEvent.model_validate(_event(n, tag)),
            tz="UTC",
            contact=None,
            owner="",
            options=options,
        )
        out.append((f"raw:{tag}-{n}", gotemplate.render(body, variables, escape="json")))
    return out


async def _run(url: str, workdir: Path) -> tuple[float, float]:

    from ringdesk.runtime import outbox_worker, start_services
    from ringdesk.store.tables import Integration, TemplateRow

    settings = migrated_settings(workdir)
    state = start_services(settings)
    with state.database.session() as session:
        session.add(
            TemplateRow(id="bench", name="Bench", xml=_TEMPLATE.format(cap=CONCURRENCY, url=url))
        )
        session.flush()
        row = Integration(
            template_id="bench",
            name="Bench",
            status="connected",
            secrets=state.crypto.encrypt({"api_token": "tok"}),
        )
        session.add(row)
        session.flush()
        integration_id = row.id
    ctx = await state.contexts.load(integration_id)
    # As `ringdesk serve` does: what start-up built lives as long as the process, so the
    # cyclic collector's full passes leave it alone (they would slow both sides).
    gc.collect()
    gc.freeze()
    # The helpdesk sees CONCURRENCY requests at most (the template cap, G3), as the raw
    # client does; the worker (default settings) keeps more jobs in flight so claiming,
    # rendering and recording overlap with the HTTP of others.
    worker = outbox_worker(state)
    running = asyncio.create_task(worker.run())
    # One round each first, not counted: connections, caches and the context get warm.
    await _raw(f"{url}/calls", _rendered(state, ctx, "warm"))
    await _outbox(state, worker, integration_id, "warm")
    raw_times: list[float] = []
    outbox_times: list[float] = []
    for n in range(ROUNDS):
        bodies = _rendered(state, ctx, f"r{n}")
        if n % 2:
            outbox_times.append(await _outbox(state, worker, integration_id, f"o{n}"))
            raw_times.append(await _raw(f"{url}/calls", bodies))
        else:
            raw_times.append(await _raw(f"{url}/calls", bodies))
            outbox_times.append(await _outbox(state, worker, integration_id, f"o{n}"))
    worker.stop()
    await running
    await state.aclose()
    return raw_times, outbox_times


def main() -> None:
    port = free_port()
    server = start_peer("bench.outbox:app", port)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            raw_times, outbox_times = asyncio.run(_run(f"http://127.0.0.1:{port}", Path(tmp)))
    finally:
        server.terminate()
        server.wait(timeout=10)
    ratios = sorted(r / o for r, o in zip(raw_times, outbox_times, strict=True))
    raw, outbox = statistics.median(raw_times), statistics.median(outbox_times)
    print(f"raw httpx : {JOBS / raw:8.0f} POST/s (median {raw:.2f} s)")
    print(f"outbox    : {JOBS / outbox:8.0f} logs/s (median {outbox:.2f} s)")
    print(f"ratio outbox/raw throughput = {statistics.median(ratios):.2f} (goal >= 0.9)")
    print(f"per-round ratios {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"{JOBS} call logs per round, concurrency {CONCURRENCY}, SQLite, {ROUNDS} rounds")


if __name__ == "__main__":
    main()
