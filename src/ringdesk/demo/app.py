"""The demo helpdesk's HTTP server (Starlette): REST API, OAuth2 endpoints, test hooks.

API (all under `Authorization: Bearer <api token or OAuth2 access token>`):
- `GET /api/me` — the account (used by templates' `connected` follow-up);
- `GET /api/users` — three paging styles: `?page=&per_page=` (with `meta`),
  `?offset=&limit=`, and cursors (`?cursor=&limit=`, the default) with `links.next` as a
  full URL;
- `GET /api/contacts/search?phone=` — digits-only match on phone or mobile, `{"data":[…]}`;
  an empty `phone` lists every contact (optionally paged by page/per_page or offset/limit);
- `POST /api/contacts`, `POST /api/calls`, `POST /api/tickets` — JSON, 201 `{"data":{…}}`.
  `Idempotency-Key` replays the first response without creating anything; the same
  `call_id` twice in calls/tickets is counted as a duplicate.
OAuth2: `GET /oauth/authorize` (Approve page; `?auto=1` redirects at once),
`POST /oauth/token` (form or JSON; authorization_code, refresh_token with rotation).
Test hooks: `GET /_demo/state` (counts, in-flight peak, call ids stored twice, records),
`POST /_demo/faults` (`status`, `count`, `retry_after`, `latency_ms`, `drop`),
`POST /_demo/expire-tokens`, `POST /_demo/revoke-tokens`, `POST /_demo/reset-peak`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ringdesk.demo import page
from ringdesk.demo.guard import ApiGuard
from ringdesk.demo.oauth import OAuthError, TokenIssuer
from ringdesk.demo.store import DemoStore, Fault

__all__ = [
    "DEFAULT_API_TOKEN",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "create_demo_app",
]

DEFAULT_API_TOKEN = "demo-token"  # noqa: S105 (a well-known demo credential, by design)
DEFAULT_CLIENT_ID = "ringdesk-demo"
DEFAULT_CLIENT_SECRET = "demo-secret"  # noqa: S105 (a well-known demo credential, by design)
MAX_BODY_BYTES = 256 * 1024
DEFAULT_CURSOR_LIMIT = 2  # small, so a first run already walks several pages


def _store(request: Request) -> DemoStore:
    store: DemoStore = request.app.state.store
    return store


def _issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.app.state.issuer
    return issuer


def _int_param(request: Request, name: str, default: int, minimum: int = 0) -> int:
    try:
        return max(minimum, int(request.query_params.get(name, default)))
    except ValueError:
        return default


async def _json_body(request: Request) -> dict[str, Any] | Response:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return JSONResponse({"error": "body too large"}, status_code=413)
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return JSONResponse({"error": "body is not JSON"}, status_code=400)
    if not isinstance(data, dict):
        return JSONResponse({"error": "body must be a JSON object"}, status_code=400)
    return data


# --- API ---------------------------------------------------------------------------------


async def me(request: Request) -> Response:
    return JSONResponse({"data": {"id": "acct-1", "account": "Demo Co", "plan": "demo"}})


async def users(request: Request) -> Response:
    store = _store(request)
    params = request.query_params
    if "page" in params:
        page_no = _int_param(request, "page", 1, minimum=1)
        per_page = min(_int_param(request, "per_page", 2, minimum=1), 100)
        items, total = store.users_page((page_no - 1) * per_page, per_page)
        meta = {"page": page_no, "per_page": per_page, "total": total}
        return JSONResponse({"users": items, "meta": meta})
    if "offset" in params:
        offset = _int_param(request, "offset", 0)
        limit = min(_int_param(request, "limit", 2, minimum=1), 100)
        items, total = store.users_page(offset, limit)
        meta = {"offset": offset, "limit": limit, "total": total}
        return JSONResponse({"users": items, "meta": meta})
    start = _int_param(request, "cursor", 0)
    limit = min(_int_param(request, "limit", DEFAULT_CURSOR_LIMIT, minimum=1), 100)
    items, total = store.users_page(start, limit)
    following = start + len(items)
    next_url = None
    if following < total:
        next_url = str(request.url.include_query_params(cursor=str(following), limit=limit))
    return JSONResponse({"users": items, "links": {"next": next_url}})


async def search_contacts(request: Request) -> Response:
    found = _store(request).search_contacts(request.query_params.get("phone", ""))
    # Optional paging (page/per_page or offset/limit), for contact sync (C8).
    if "page" in request.query_params:
        per_page = min(_int_param(request, "per_page", 100, minimum=1), 100)
        start = (_int_param(request, "page", 1, minimum=1) - 1) * per_page
        found = found[start : start + per_page]
    elif "offset" in request.query_params:
        start = _int_param(request, "offset", 0)
        found = found[start : start + min(_int_param(request, "limit", 100, minimum=1), 100)]
    return JSONResponse({"data": found})


async def get_contact(request: Request) -> Response:
    contact = _store(request).contact(request.path_params["contact_id"])
    if contact is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse({"data": contact})


async def contact_html(request: Request) -> Response:
    contact = _store(request).contact(request.path_params["contact_id"])
    if contact is None:
        return HTMLResponse("<h1>Not found</h1>", status_code=404)
    return HTMLResponse(page.contact_page(contact))


async def _create(request: Request, kind: str) -> Response:
    store = _store(request)
    data = await _json_body(request)
    # No await from here on: the replay check, the creation and `remember` are atomic on
    # the event loop, so two concurrent requests with one key never both create.
    key = request.headers.get("idempotency-key")
    cache_key = f"{request.url.path} {key}" if key else None
    if cache_key is not None:
        replayed = store.replay(cache_key)
        if replayed is not None:
            return JSONResponse(
                replayed[1], status_code=replayed[0], headers={"Idempotent-Replayed": "true"}
            )
    if isinstance(data, Response):
        return data
    if kind == "contacts":
        if not (data.get("first_name") or data.get("last_name")) or not data.get("phone"):
            return JSONResponse(
                {"error": "first_name or last_name, and phone are required"}, status_code=422
            )
        record = store.add_contact(data)
    elif kind == "calls":
        record = store.add_call(data)
    else:
        record = store.add_ticket(data)
    body = {"data": record}
    if cache_key is not None:
        store.remember(cache_key, 201, body)
    return JSONResponse(body, status_code=201)


async def create_contact(request: Request) -> Response:
    return await _create(request, "contacts")


async def create_call(request: Request) -> Response:
    return await _create(request, "calls")


async def create_ticket(request: Request) -> Response:
    return await _create(request, "tickets")


# --- OAuth2 ------------------------------------------------------------------------------


def _redirect_with(redirect_uri: str, **params: str) -> Response:
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + separator + urlencode(params), status_code=302)


async def authorize(request: Request) -> Response:
    params = dict(request.query_params)
    if request.method == "POST":
        params.update({k: str(v) for k, v in (await request.form()).items()})
    issuer = _issuer(request)
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri.startswith(("http://", "https://")):
        return HTMLResponse("<h1>redirect_uri is missing or invalid</h1>", status_code=400)
    try:
        issuer.check_client(params.get("client_id"), None)
    except OAuthError as exc:
        return HTMLResponse(f"<h1>{exc.description}</h1>", status_code=400)
    state = params.get("state", "")
    if request.method == "GET" and params.get("auto") != "1":
        return HTMLResponse(page.approve_page(params))
    if params.get("decision", "approve") != "approve":
        return _redirect_with(redirect_uri, error="access_denied", state=state)
    return _redirect_with(redirect_uri, code=issuer.new_code(redirect_uri), state=state)


async def _token_params(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        data = await _json_body(request)
        if isinstance(data, Response):
            return {}
        return {k: str(v) for k, v in data.items()}
    return {k: str(v) for k, v in (await request.form()).items()}


def _basic_client(request: Request) -> tuple[str | None, str | None]:
    import base64
    import binascii

    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        user, _, password = base64.b64decode(value).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return user, password


async def token(request: Request) -> Response:
    params = await _token_params(request)
    issuer = _issuer(request)
    basic_id, basic_secret = _basic_client(request)
    try:
        issuer.check_client(
            params.get("client_id") or basic_id, params.get("client_secret") or basic_secret
        )
        grant = params.get("grant_type")
        if grant == "authorization_code":
            result = issuer.exchange_code(params.get("code"), params.get("redirect_uri"))
        elif grant == "refresh_token":
            result = issuer.refresh(params.get("refresh_token"))
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant!r}")
    except OAuthError as exc:
        return JSONResponse(exc.body(), status_code=exc.status)
    return JSONResponse(result, headers={"Cache-Control": "no-store"})


# --- test hooks and pages ----------------------------------------------------------------


async def state(request: Request) -> Response:
    snapshot = _store(request).snapshot()
    issuer = _issuer(request)
    snapshot["token_refreshes"] = issuer.refreshes
    snapshot["token_expiries"] = issuer.expiries
    snapshot["token_revocations"] = issuer.revocations
    return JSONResponse(snapshot)


async def faults(request: Request) -> Response:
    data = await _json_body(request)
    if isinstance(data, Response):
        return data
    try:
        fault = Fault(
            status=int(data.get("status", 0)),
            count=int(data.get("count", 1 if data.get("status") else 0)),
            retry_after=float(data["retry_after"]) if data.get("retry_after") is not None else None,
            latency_ms=int(data.get("latency_ms", 0)),
            drop=int(data.get("drop", 0)),
        )
    except (TypeError, ValueError):
        return JSONResponse({"error": "status, count, latency_ms, drop: integers"}, status_code=400)
    _store(request).set_fault(fault)
    return JSONResponse(
        {
            "status": fault.status,
            "count": fault.count,
            "retry_after": fault.retry_after,
            "latency_ms": fault.latency_ms,
            "drop": fault.drop,
        }
    )


async def expire_tokens(request: Request) -> Response:
    _issuer(request).expire_access_tokens()
    return JSONResponse({"expired": True})


async def revoke_tokens(request: Request) -> Response:
    _issuer(request).revoke_access_tokens()
    return JSONResponse({"revoked": True})


async def reset_peak(request: Request) -> Response:
    return JSONResponse({"max_in_flight": _store(request).reset_peak()})


async def home(request: Request) -> Response:
    return HTMLResponse(page.home_page(_store(request).snapshot()))


def create_demo_app(
    *,
    api_token: str = DEFAULT_API_TOKEN,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    access_token_ttl: int = 3600,
    store: DemoStore | None = None,
) -> Starlette:
    """Build the demo helpdesk (an ASGI app). State is in memory, per app."""
    routes = [
        Route("/", home),
        Route("/api/me", me),
        Route("/api/users", users),
        Route("/api/contacts/search", search_contacts),
        Route("/api/contacts", create_contact, methods=["POST"]),
        Route("/api/contacts/{contact_id}", get_contact),
        Route("/api/calls", create_call, methods=["POST"]),
        Route("/api/tickets", create_ticket, methods=["POST"]),
        Route("/contacts/{contact_id}", contact_html),
        Route("/oauth/authorize", authorize, methods=["GET", "POST"]),
        Route("/oauth/token", token, methods=["POST"]),
        Route("/_demo/state", state),
        Route("/_demo/faults", faults, methods=["POST"]),
        Route("/_demo/expire-tokens", expire_tokens, methods=["POST"]),
        Route("/_demo/revoke-tokens", revoke_tokens, methods=["POST"]),
        Route("/_demo/reset-peak", reset_peak, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.store = store or DemoStore()
    app.state.issuer = TokenIssuer(
        api_token=api_token,
        client_id=client_id,
        client_secret=client_secret,
        access_token_ttl=access_token_ttl,
    )
    app.add_middleware(ApiGuard)
    return app
