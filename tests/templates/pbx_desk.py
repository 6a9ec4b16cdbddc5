"""A recording helpdesk for the PBX-import tests: every request is kept (method, path,
query, headers, body) and answered with the JSON set for its method and path (`{"id": …}`
otherwise). Served over real sockets with `tests.live.serve_app`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

__all__ = ["Received", "RecordingDesk"]


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RecordingDesk:
    answers: dict[tuple[str, str], Any] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        async def anything(path: str, request: Request) -> JSONResponse:
            body = (await request.body()).decode()
            self.received.append(
                Received(
                    request.method,
                    "/" + path,
                    dict(request.query_params),
                    {k.lower(): v for k, v in request.headers.items()},
                    body,
                )
            )
            answer = self.answers.get((request.method, "/" + path), {"id": "created-1"})
            return JSONResponse(answer)

        return app
