"""A small helpdesk for flow tests, served over real sockets: users in four pagination
styles (plus an endless one for the 100-request cap) and a contact search.

`FakeDesk` holds the data and records every request path; `desk.app()` is its ASGI app.
`make_state(...)` builds the services the flows expect (`ringdesk.testing.make_services`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request

__all__ = ["FakeDesk", "make_state"]


def _user(i: int) -> dict[str, Any]:
    return {
        "id": f"u{i}",
        "first_name": f"First{i}",
        "last_name": f"Last{i}",
        "email": f"user{i}@example.com",
    }


@dataclass
class FakeDesk:
    users: list[dict[str, Any]] = field(default_factory=lambda: [_user(i) for i in range(1, 6)])
    contacts: list[dict[str, Any]] = field(default_factory=list)
    latency: float = 0.0
    fail_search: bool = False
    paths: list[str] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def record(request: Request, call_next: Any) -> Any:
            query = request.url.query
            self.paths.append(request.url.path + (f"?{query}" if query else ""))
            if self.latency:
                await asyncio.sleep(self.latency)
            return await call_next(request)

        @app.get("/none/users")
        def none_users() -> dict[str, Any]:
            return {"users": self.users}

        @app.get("/page/users")
        def page_users(page: int = 1, per_page: int = 2) -> dict[str, Any]:
            start = (page - 1) * per_page
            return {"users": self.users[start : start + per_page]}

        @app.get("/offset/users")
        def offset_users(offset: int = 0, limit: int = 2) -> dict[str, Any]:
            return {"users": self.users[offset : offset + limit]}

        @app.get("/link/users")
        def link_users(cursor: int = 0) -> dict[str, Any]:
            page = self.users[cursor : cursor + 2]
            more = cursor + 2 < len(self.users)
            return {
                "users": page,
                "links": {"next": f"/link/users?cursor={cursor + 2}" if more else None},
            }

        @app.get("/endless/users")
        def endless_users(page: int = 1, per_page: int = 1) -> dict[str, Any]:
            return {"users": [_user(page * 1000 + i) for i in range(per_page)]}

        @app.get("/contacts/search")
        @app.get("/api/contacts/search")  # the demo template's path, for API tests
        def search(phone: str = "", page: int = 1, per_page: int = 1000) -> Any:
            if self.fail_search:
                from fastapi.responses import JSONResponse

                return JSONResponse({"error": "down"}, status_code=503)
            if phone:
                found = [c for c in self.contacts if phone in (c.get("phone"), c.get("mobile"))]
            else:
                found = self.contacts
            start = (page - 1) * per_page
            return {"data": found[start : start + per_page]}

        return app


def make_state(settings: Any, database: Any = None, *, retry: Any = None, **extra: Any) -> Any:
    """The services the flows use, with `retry` inline retries (default: the fast ones)."""
    from ringdesk.testing import FAST_RETRY
    from tests.services import test_services

    return test_services(settings, retry=retry or FAST_RETRY, **extra)
