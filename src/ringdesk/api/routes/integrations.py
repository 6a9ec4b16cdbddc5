"""REST resource: integrations (I1, I4; api.md): create, list, read, update, delete,
connect, and the request log."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ringdesk.api.deps import AdminDep, SessionDep
from ringdesk.http.requestlog import list_entries
from ringdesk.integrations.service import (
    ConnectError,
    InputError,
    connect,
    create_integration,
    list_integrations,
    public_view,
    update_integration,
)
from ringdesk.store.tables import Integration

__all__ = ["router"]

router = APIRouter(tags=["integrations"], dependencies=[AdminDep])


class IntegrationIn(BaseModel):
    template_id: str
    name: str
    fields: dict[str, Any] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)


class IntegrationPatch(BaseModel):
    name: str | None = None
    fields: dict[str, Any] | None = None
    options: dict[str, Any] | None = None


def _problems(exc: InputError) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={"problems": [{"field": f, "message": m} for f, m in exc.problems]},
    )


def _get(session: Any, integration_id: int) -> Integration:
    row = session.get(Integration, integration_id)
    if row is None:
        raise HTTPException(status_code=404, detail="integration not found")
    return row  # type: ignore[no-any-return]


@router.post("/integrations", status_code=201, response_model=None)
def create(body: IntegrationIn, request: Request, session: SessionDep) -> Any:
    crypto = request.app.state.crypto
    try:
        row = create_integration(
            session,
            crypto,
            template_id=body.template_id,
            name=body.name,
            fields=body.fields,
            options=body.options,
        )
    except LookupError:
        return JSONResponse(
            status_code=422,
            content={"problems": [{"field": "template_id", "message": "unknown template"}]},
        )
    except InputError as exc:
        return _problems(exc)
    return public_view(session, crypto, row)


@router.get("/integrations")
def list_all(request: Request, session: SessionDep) -> list[dict[str, Any]]:
    crypto = request.app.state.crypto
    return [public_view(session, crypto, row) for row in list_integrations(session)]


@router.get("/integrations/{integration_id}")
def read(integration_id: int, request: Request, session: SessionDep) -> dict[str, Any]:
    return public_view(session, request.app.state.crypto, _get(session, integration_id))


@router.patch("/integrations/{integration_id}", response_model=None)
def patch(
    integration_id: int, body: IntegrationPatch, request: Request, session: SessionDep
) -> Any:
    crypto = request.app.state.crypto
    row = _get(session, integration_id)
    try:
        update_integration(
            session, crypto, row, name=body.name, fields=body.fields, options=body.options
        )
    except InputError as exc:
        session.rollback()
        return _problems(exc)
    return public_view(session, crypto, row)


@router.delete("/integrations/{integration_id}", status_code=204)
def delete(integration_id: int, session: SessionDep) -> None:
    session.delete(_get(session, integration_id))


@router.post("/integrations/{integration_id}/connect", response_model=None)
async def connect_integration(integration_id: int, request: Request) -> Any:
    try:
        return await connect(request.app.state, integration_id)
    except LookupError:
        raise HTTPException(status_code=404, detail="integration not found") from None
    except ConnectError as exc:
        return JSONResponse(status_code=502, content={"status": "failed", "detail": str(exc)})


@router.get("/integrations/{integration_id}/requests")
async def requests(integration_id: int, request: Request, limit: int = 100) -> list[dict[str, Any]]:
    state = request.app.state
    await state.executor.request_log.flush()

    def read() -> list[dict[str, Any]]:
        with state.db.session() as session:
            _get(session, integration_id)
            return list_entries(session, integration_id, limit=max(1, min(limit, 1000)))

    return await asyncio.to_thread(read)
