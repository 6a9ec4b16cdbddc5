"""REST resource: integrations (I1, I4; api.md): create, list, read, update, delete,
connect, and the request log."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ringdesk.api.deps import AdminDep, ServicesDep, SessionDep
from ringdesk.errors import ConnectError, InputError
from ringdesk.flows.connect import connect
from ringdesk.integrations.service import (
    check_connect_values,
    create_integration,
    public_view,
    update_integration,
)
from ringdesk.store import integrations as repo
from ringdesk.store import requestlog
from ringdesk.store.db import Session
from ringdesk.store.tables import Integration

__all__ = ["problems_response", "router"]

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


def problems_response(exc: InputError) -> JSONResponse:
    """422 listing each field at fault."""
    return JSONResponse(
        status_code=422,
        content={"problems": [{"field": f, "message": m} for f, m in exc.problems]},
    )


def _get(session: Session, integration_id: int) -> Integration:
    row = repo.get(session, integration_id)
    if row is None:
        raise HTTPException(status_code=404, detail="integration not found")
    return row


@router.post("/integrations", status_code=201, response_model=None)
def create(body: IntegrationIn, services: ServicesDep, session: SessionDep) -> Any:
    try:
        row = create_integration(
            session,
            services.crypto,
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
        return problems_response(exc)
    return public_view(session, services.crypto, row)


@router.get("/integrations")
def list_all(services: ServicesDep, session: SessionDep) -> list[dict[str, Any]]:
    return [public_view(session, services.crypto, row) for row in repo.list_all(session)]


@router.get("/integrations/{integration_id}")
def read(integration_id: int, services: ServicesDep, session: SessionDep) -> dict[str, Any]:
    return public_view(session, services.crypto, _get(session, integration_id))


@router.patch("/integrations/{integration_id}", response_model=None)
def patch(
    integration_id: int, body: IntegrationPatch, services: ServicesDep, session: SessionDep
) -> Any:
    row = _get(session, integration_id)
    try:
        update_integration(
            session, services.crypto, row, name=body.name, fields=body.fields, options=body.options
        )
    except InputError as exc:
        session.rollback()
        return problems_response(exc)
    return public_view(session, services.crypto, row)


@router.delete("/integrations/{integration_id}", status_code=204)
def delete(integration_id: int, services: ServicesDep, session: SessionDep) -> None:
    repo.delete(session, _get(session, integration_id))
    services.contexts.forget(integration_id)
    services.tokens.forget(integration_id)


@router.post("/integrations/{integration_id}/connect", response_model=None)
async def connect_integration(integration_id: int, services: ServicesDep) -> Any:
    """Connect (A3–A7). Connect values that cannot be used (a URL with an unreadable host,
    a user:password, another scheme) get 422 naming the field; nothing changes then."""
    try:
        ctx = await services.contexts.load(integration_id)
        check_connect_values(ctx.template, ctx.variables)
        return await connect(services, integration_id)
    except InputError as exc:
        return problems_response(exc)
    except LookupError:
        raise HTTPException(status_code=404, detail="integration not found") from None
    except ConnectError as exc:
        return JSONResponse(status_code=502, content={"status": "failed", "detail": str(exc)})


@router.get("/integrations/{integration_id}/requests")
async def requests(
    integration_id: int, services: ServicesDep, limit: int = 100
) -> list[dict[str, Any]]:
    await services.executor.request_log.flush()

    def read() -> list[dict[str, Any]]:
        with services.database.session() as session:
            _get(session, integration_id)
            return requestlog.list_entries(session, integration_id, limit=max(1, min(limit, 1000)))

    return await asyncio.to_thread(read)
