"""REST resource: agents — the live screen-pop stream of an extension (C9).

`GET /agents/{extension}/events` is a server-sent event stream: `event: pop` with a JSON
payload per pop, a comment line every 15 s as heartbeat. Readable with the admin token (or
admin session) or with the extension's signed agent key (`?key=`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from ringdesk.api.deps import ServicesDep, require_admin
from ringdesk.metrics import Metrics
from ringdesk.screenpop.agent_tokens import verify_agent_key
from ringdesk.screenpop.hub import Subscription
from ringdesk.services import Services

__all__ = ["router"]

router = APIRouter(tags=["agents"])


def _authorise(request: Request, services: Services, extension: str, key: str | None) -> None:
    secret = services.settings.resolved_secret_key()
    if verify_agent_key(secret, extension, key):
        return
    if key is not None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad agent key")
    require_admin(request, services.database)


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
    _authorise(request, services, extension, key)
    # Subscribe before answering so a pop published right after the headers is not lost.
    sub = services.hub.subscribe(extension)
    heartbeat = services.settings.sse_heartbeat_seconds
    return StreamingResponse(
        _stream(services.metrics, sub, heartbeat),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        background=BackgroundTask(sub.close),
    )
