"""REST resource: call events in (I2): the signed JSON webhook and the Yeastar adapter."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status

from ringdesk.api.deps import ServicesDep
from ringdesk.errors import EventFormatError
from ringdesk.events import webhook, yeastar
from ringdesk.flows import intake

__all__ = ["read_limited_body", "router"]

router = APIRouter(tags=["events"])


async def read_limited_body(request: Request, limit: int = webhook.MAX_EVENT_BYTES) -> bytes:
    """The raw body, refusing (413) anything over `limit` bytes before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "event body too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "event body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail)


@router.post("/events")
async def post_event(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Receive one call event signed with `X-Ringdesk-Signature: sha256=<hex HMAC>`.

    The event is stored before this answers; the same call_id + type twice is processed
    once (`{"duplicate": true}`). Malformed events get 422 naming the fields at fault.
    """
    body = await read_limited_body(request)
    secret = services.settings.resolved_webhook_secret()
    if not webhook.verify(body, request.headers.get(webhook.SIGNATURE_HEADER), secret):
        raise _unauthorised("missing or bad X-Ringdesk-Signature")
    try:
        event = webhook.parse_event(body)
    except EventFormatError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.problems) from None
    fresh = await intake.accept(services, event, source="webhook")
    return {
        "accepted": fresh,
        "duplicate": not fresh,
        "call_id": event.call_id,
        "type": event.type,
    }


@router.post("/events/yeastar")
async def post_yeastar_event(
    request: Request, services: ServicesDep, token: str | None = None
) -> dict[str, Any]:
    """Receive a Yeastar P-Series Open API event (30011 call status, 30012 new CDR).

    Authenticated by the same HMAC header as `/events`, or by `?token=` (see
    `ringdesk admin yeastar-webhook-url`), since a PBX cannot sign its webhooks.
    Other event types are acknowledged and ignored.
    """
    body = await read_limited_body(request)
    secret = services.settings.resolved_webhook_secret()
    signed = webhook.verify(body, request.headers.get(webhook.SIGNATURE_HEADER), secret)
    if not signed and not yeastar.verify_url_token(secret, token):
        raise _unauthorised("missing or bad signature or token")
    try:
        events = yeastar.parse(body, tz=services.settings.pbx_timezone)
    except EventFormatError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.problems) from None
    results = []
    for event in events:
        fresh = await intake.accept(services, event, source="yeastar")
        results.append({"call_id": event.call_id, "type": event.type, "duplicate": not fresh})
    return {"events": results}
