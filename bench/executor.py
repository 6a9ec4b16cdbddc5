"""The executor's overhead: 2 000 GETs to a local server through `Executor.request` (auth
header, cap, retries, redacted request log) vs raw `httpx.AsyncClient`, same concurrency,
same run. Prints the throughput ratio executor/raw (goal >= 0.9)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench._peer import free_port, start_peer
from bench._setup import migrated_settings

REQUESTS = 2_000
CONCURRENCY = 20
ROUNDS = 2

_BODY = b'{"data":[{"id":1,"name":"Ada"}]}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The peer: a minimal ASGI app answering every request with a small JSON body."""
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
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
  <Headers><Header name="Accept">application/json</Header></Headers>
</HelpdeskTemplate>"""


async def _raw(url: str, count: int = REQUESTS) -> tuple[float, float]:
    gate = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient() as client:

        async def one() -> None:
            async with gate:
                response = await client.get(url, headers={"Authorization": "Bearer tok"})
                response.raise_for_status()

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one() for _ in range(count)))
        return time.perf_counter() - started, time.process_time() - cpu


async def _executor(url: str, state: Any, ctx: Any, count: int = REQUESTS) -> tuple[float, float]:
    from ringdesk.http.request import HelpdeskRequest

    gate = asyncio.Semaphore(CONCURRENCY)
    request = HelpdeskRequest("GET", url, headers=ctx.scenario_headers)

    async def one() -> None:
        async with gate:
            await state.send(ctx, request, scenario="bench")

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one() for _ in range(count)))
    await state.executor.request_log.flush()  # the log's writes are part of the cost
    return time.perf_counter() - started, time.process_time() - cpu


async def _run(url: str, workdir: Path) -> tuple[tuple[float, float], tuple[float, float]]:

    from ringdesk.integrations.service import create_integration
    from ringdesk.runtime import start_services
    from ringdesk.store.tables import TemplateRow

    settings = migrated_settings(workdir)
    state = start_services(settings)
    with state.database.session() as session:
        session.add(TemplateRow(id="bench", name="Bench", xml=_TEMPLATE.format(cap=CONCURRENCY)))
        session.flush()
        row = create_integration(
            session,
            state.crypto,
            template_id="bench",
            name="Bench",
            fields={"api_token": "tok"},
            options={},
        )
        row.status = "connected"
        integration_id = row.id
    ctx = await state.contexts.load(integration_id)
    raw_times: list[tuple[float, float]] = []
    exec_times: list[tuple[float, float]] = []
    await _raw(url, 200)  # warm-up both paths (connections, imports)
    await _executor(url, state, ctx, 200)
    for _ in range(ROUNDS):
        raw_times.append(await _raw(url))
        exec_times.append(await _executor(url, state, ctx))
    await state.aclose()
    return min(raw_times), min(exec_times)


def main() -> None:
    port = free_port()
    server = start_peer("bench.executor:app", port)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            (raw, raw_cpu), (executor, exec_cpu) = asyncio.run(
                _run(f"http://127.0.0.1:{port}/contacts", Path(tmp))
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
    # The peer runs in its own process, so process CPU time is the client's own cost; wall
    # time is the headline (it includes the peer, and is noisy on a loaded machine).
    print(f"raw httpx : {REQUESTS / raw:8.0f} req/s ({raw:.2f} s wall, {raw_cpu:.2f} s CPU)")
    print(
        f"executor  : {REQUESTS / executor:8.0f} req/s "
        f"({executor:.2f} s wall, {exec_cpu:.2f} s CPU)"
    )
    print(f"ratio executor/raw throughput = {raw / executor:.2f} (goal >= 0.9)")
    print(f"ratio raw/executor client CPU = {raw_cpu / exec_cpu:.2f}")
    print(f"{REQUESTS} GETs each, concurrency {CONCURRENCY}, best of {ROUNDS} interleaved rounds")


if __name__ == "__main__":
    main()
