"""Call the app's own REST API from a view, as the logged-in admin (same session, CSRF).

The UI goes through the public API (api.md) instead of duplicating its logic: a request
travels in-process over ASGI to the same routes a script would use.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Request

__all__ = ["ApiUnavailable", "call_api", "error_text", "json_or_none"]

API = "/api/v1"


class ApiUnavailable(Exception):
    """The API route is not there (yet): the page shows "not available"."""


async def call_api(
    request: Request,
    method: str,
    path: str,
    *,
    json: Any = None,
    content: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
    params: dict[str, str] | None = None,
) -> httpx.Response:
    """`method` `path` (relative to /api/v1) with the caller's session cookie and CSRF token.

    Raises `ApiUnavailable` when the route does not exist (404 without a JSON detail from a
    handler, or 405).
    """
    from ringdesk.web.csrf import CSRF_HEADER, csrf_token

    send_headers = {
        "cookie": request.headers.get("cookie", ""),
        CSRF_HEADER: csrf_token(request),
    }
    send_headers.update(headers or {})
    transport = httpx.ASGITransport(app=_with_state(request))
    async with httpx.AsyncClient(
        transport=transport, base_url=str(request.base_url).rstrip("/"), timeout=120
    ) as client:
        response = await client.request(
            method,
            API + path,
            json=json,
            content=content,
            headers=send_headers,
            files=files,
            params=params,
        )
    if response.status_code == 405 or (
        response.status_code == 404 and json_or_none(response) == {"detail": "Not Found"}
    ):
        raise ApiUnavailable(f"{method} {API}{path}")
    return response


def _with_state(request: Request) -> Any:
    """The app, called with this request's lifespan state (the shared services): an
    in-process call does not pass through the server that hands the state over."""
    app = request.app
    state = dict(request.scope.get("state") or {})

    async def call(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await app({**scope, "state": dict(state)}, receive, send)

    return call


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def error_text(response: httpx.Response) -> str:
    """A short, human message from an API error body."""
    body = json_or_none(response)
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("message") or body.get("error")
        if isinstance(detail, str):
            return detail
        if detail is not None:
            return str(detail)[:300]
    return f"HTTP {response.status_code}"
