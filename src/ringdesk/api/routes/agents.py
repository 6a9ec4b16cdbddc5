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

from ringdesk.api.deps import require_admin
from ringdesk.screenpop.agent_tokens import verify_agent_key
from ringdesk.screenpop.hub import Hub, Subscription

__all__ = ["DEFAULT_HEARTBEAT_SECONDS", "router"]

router = APIRouter(tags=["agents"])

DEFAULT_HEARTBEAT_SECONDS = 15.0


def _authorise(request: Request, extension: str, key: str | None) -> None:
    secret = request.app.state.settings.resolved_secret_key()
    if verify_agent_key(secret, extension, key):
        return
    if key is not None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad agent key")
    require_admin(request, request.app.state.db)


def _count_delivery(state: Any) -> None:
    # The pop latency histogram is observed where the pop is published (flows.screenpop).
    metrics = getattr(state, "metrics", None)
    if metrics is not None:
        metrics.screen_pops.inc()


async def _stream(state: Any, sub: Subscription, heartbeat: float) -> AsyncIterator[str]:
    try:
        # Tell EventSource to reconnect quickly, and flush headers at once.
        yield "retry: 3000\n: connected\n\n"
        while True:
            pop = await sub.get(heartbeat)
            if pop is None:
                yield ": heartbeat\n\n"
                continue
            _count_delivery(state)
            data = json.dumps(pop, ensure_ascii=False, separators=(",", ":"))
            yield f"event: pop\ndata: {data}\n\n"
    finally:
        sub.close()


@router.get("/agents/{extension}/events", response_class=StreamingResponse)
async def agent_events(request: Request, extension: str, key: str | None = None) -> Any:
    """Stream the screen pops of `extension` (`text/event-stream`) until the client leaves."""
    _authorise(request, extension, key)
    hub: Hub = request.app.state.hub
    # Subscribe before answering so a pop published right after the headers is not lost.
    sub = hub.subscribe(extension)
    heartbeat = float(getattr(request.app.state, "sse_heartbeat_seconds", 0) or 0)
    return StreamingResponse(
        _stream(request.app.state, sub, heartbeat or DEFAULT_HEARTBEAT_SECONDS),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        background=BackgroundTask(sub.close),
    )
