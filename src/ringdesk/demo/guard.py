"""The demo helpdesk's gate in front of `/api/*`: counts each request and how many are in
flight, applies the injected faults (latency, error bursts with Retry-After, connections
dropped mid-response) and checks the bearer token.

A dropped connection is dropped *after* the request was processed: the response headers
go out, the body never does, and the server closes the connection. That is the case a
client cannot tell from a lost request, which only an idempotent repeat gets right.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ringdesk.demo.oauth import TokenIssuer
from ringdesk.demo.store import DemoStore, Fault

__all__ = ["ApiGuard"]


def _fault_response(fault: Fault) -> Response:
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(
            int(fault.retry_after) if fault.retry_after.is_integer() else fault.retry_after
        )
    return JSONResponse({"error": "injected fault"}, status_code=fault.status, headers=headers)


def _unauthorised() -> Response:
    return JSONResponse(
        {"error": "invalid_token"},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def _headers_only(send: Send) -> Send:
    """A `send` that lets the response start through and swallows its body: the server
    then closes the connection because the response never completed."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            await send(message)

    return sending


class ApiGuard:
    """ASGI middleware for `/api/*` (other paths pass straight through)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        store: DemoStore = scope["app"].state.store
        store.enter()
        try:
            await self._guarded(scope, receive, send, store)
        finally:
            store.leave()

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, store: DemoStore) -> None:
        request = Request(scope)
        issuer: TokenIssuer = scope["app"].state.issuer
        auth = request.headers.get("authorization", "")
        store.count_request(
            request.method,
            request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            {
                "idempotency_key": request.headers.get("idempotency-key", ""),
                "auth_scheme": auth.partition(" ")[0],
            },
        )
        fault, fail = store.take_fault()
        if fault.latency_ms > 0:
            await asyncio.sleep(fault.latency_ms / 1000)
        response: Response | None = None
        if fail:
            response = _fault_response(fault)
        else:
            scheme, _, bearer = auth.partition(" ")
            if scheme.lower() != "bearer" or not issuer.authorised(bearer.strip()):
                response = _unauthorised()
        if response is not None:
            await response(scope, receive, send)
            return
        if store.take_drop():
            await self.app(scope, receive, _headers_only(send))
            return
        await self.app(scope, receive, send)
