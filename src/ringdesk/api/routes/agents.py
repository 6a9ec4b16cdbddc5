"""REST resource: agents — the live screen-pop stream of an extension (C9) and its link.

`GET /agents/{extension}/events` is a server-sent event stream: `event: pop` with a JSON
payload per pop, a comment line every 15 s as heartbeat. Readable with the admin token (or
admin session) or with the extension's signed agent key (`?key=`).
`GET /agents/{extension}/link` gives the agent page link; `DELETE` revokes every link of that
extension made so far (the next GET gives a new one).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from ringdesk.api.deps import AdminDep, ServicesDep, require_admin
from ringdesk.metrics import Metrics
from ringdesk.screenpop.agent_tokens import (
    current_agent_url,
    revoke_agent_links,
    verify_agent_link,
)
from ringdesk.screenpop.hub import Subscription
from ringdesk.services import Services

__all__ = ["router"]

router = APIRouter(tags=["agents"])


def _authorise(request: Request, services: Services, extension: str, key: str | None) -> None:
    secret = services.settings.resolved_secret_key()
    if verify_agent_link(services.database, secret, extension, key):
        return
    if key is not None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad agent key")
    require_admin(request, services)


async def _stream(metrics: Metrics, sub: Subscription, heartbeat: float) -> AsyncIterator[str]:
    try:
        # Tell EventSource to reconnect quickly, and flush headers at once.
        yield "retry: 3000\n: connected\n\n"
        while True:
            pop = await sub.get(heartbeat)
            if pop is None:
                yield ": heartbeat\n\n"
                continue
            # The pop latency histogram is observed where the pop is published.
            metrics.screen_pops.inc()
            data = json.dumps(pop, ensure_ascii=False, separators=(",", ":"))
            yield f"event: pop\ndata: {data}\n\n"
    finally:
        sub.close()


@router.get("/agents/{extension}/events", response_class=StreamingResponse)
async def agent_events(
    request: Request, services: ServicesDep, extension: str, key: str | None = None
) -> Any:
    """Stream the screen pops of `extension` (`text/event-stream`) until the client leaves."""
    await run_in_threadpool(_authorise, request, services, extension, key)
    # Subscribe before answering so a pop published right after the headers is not lost.
    sub = services.hub.subscribe(extension)
    heartbeat = services.settings.sse_heartbeat_seconds
    return StreamingResponse(
        _stream(services.metrics, sub, heartbeat),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        background=BackgroundTask(sub.close),
    )


def _link(services: Services, extension: str) -> dict[str, str]:
    settings = services.settings
    url = current_agent_url(
        services.database, settings.public_url, settings.resolved_secret_key(), extension
    )
    return {"extension": extension, "url": url}


@router.get("/agents/{extension}/link", dependencies=[AdminDep])
def agent_link(services: ServicesDep, extension: str) -> dict[str, str]:
    """The agent page link of `extension` (its key opens that extension's pops only)."""
    return _link(services, extension)


@router.delete("/agents/{extension}/link", status_code=204, dependencies=[AdminDep])
def revoke_agent_link(services: ServicesDep, extension: str) -> Response:
    """Revoke every agent link of `extension` made so far; other extensions keep theirs.
    Pages already open stop receiving pops when their stream reconnects."""
    revoke_agent_links(services.database, extension, now=services.clock.now())
    return Response(status_code=204)
