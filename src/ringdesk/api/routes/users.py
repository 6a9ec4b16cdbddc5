"""REST resource: helpdesk users of an integration and their extensions (U1–U5)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, HTTPException, status
from pydantic import BaseModel, Field

from ringdesk.api.deps import AdminDep, ServicesDep, SessionDep
from ringdesk.errors import HelpdeskError
from ringdesk.flows import users as user_flow
from ringdesk.integrations.context import IntegrationContext
from ringdesk.store import integrations as integrations_repo
from ringdesk.store import users as repo
from ringdesk.store.db import Session
from ringdesk.store.tables import HelpdeskUser

__all__ = ["router"]

router = APIRouter(tags=["users"], dependencies=[AdminDep])


class ExtensionIn(BaseModel):
    extension: str | None = Field(default=None, max_length=40)


class UserPublic(BaseModel):
    user_id: str
    first_name: str
    last_name: str
    email: str
    extension: str | None

    @classmethod
    def of(cls, row: HelpdeskUser) -> UserPublic:
        return cls(
            user_id=row.user_id,
            first_name=row.first_name,
            last_name=row.last_name,
            email=row.email,
            extension=row.extension,
        )


def _require_integration(session: Session, integration_id: int) -> None:
    if integrations_repo.get(session, integration_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "integration not found")


async def _context(services: ServicesDep, integration_id: int) -> IntegrationContext:
    try:
        return await services.contexts.load(integration_id)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "integration not found") from exc


@router.post("/integrations/{integration_id}/users/sync")
async def sync_users(integration_id: int, services: ServicesDep) -> dict[str, Any]:
    """U1–U3: pull the helpdesk's users (paged, at most 100 requests) → `{requests, users,
    capped}`; a helpdesk failure is 502."""
    ctx = await _context(services, integration_id)
    if ctx.template.user_association is None or not ctx.template.user_association.enabled:
        raise HTTPException(status.HTTP_409_CONFLICT, "the template has no user association")
    try:
        result = await user_flow.sync_users(services, ctx)
    except HelpdeskError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"helpdesk error: {exc}") from exc
    return result.summary()


@router.get("/integrations/{integration_id}/users")
def list_users(integration_id: int, session: SessionDep) -> list[UserPublic]:
    """U5: the synced users with their associated extension."""
    _require_integration(session, integration_id)
    return [UserPublic.of(row) for row in repo.list_users(session, integration_id)]


@router.put("/integrations/{integration_id}/users/{user_id}/extension")
def set_extension(
    integration_id: int,
    user_id: str,
    session: SessionDep,
    body: ExtensionIn | None = Body(default=None),  # noqa: B008  (FastAPI's way)
) -> UserPublic:
    """U5: associate a user with an extension (`{extension}`), or clear it (`null`)."""
    _require_integration(session, integration_id)
    extension = (body.extension or "").strip() if body else ""
    try:
        row = repo.set_extension(session, integration_id, user_id, extension or None)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found") from exc
    return UserPublic.of(row)


@router.post("/integrations/{integration_id}/users/auto-associate")
def auto_associate(integration_id: int, session: SessionDep) -> dict[str, Any]:
    """U5: match users to extensions by email."""
    _require_integration(session, integration_id)
    made = repo.auto_associate(session, integration_id)
    return {"associated": [{"user_id": u, "extension": e} for u, e in made]}
