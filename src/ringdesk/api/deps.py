"""FastAPI dependencies as `Annotated` aliases: the shared services, settings, a database
session, and admin authentication."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from ringdesk.config import Settings
from ringdesk.services import Services
from ringdesk.store import admin
from ringdesk.store.db import Database, Session

__all__ = [
    "AdminDep",
    "DatabaseDep",
    "ServicesDep",
    "SessionDep",
    "SettingsDep",
    "get_services",
    "require_admin",
]


def get_services(request: Request) -> Services:
    """The app's services, handed over by its lifespan."""
    services: Services = request.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings(services: ServicesDep) -> Settings:
    return services.settings


def get_database(services: ServicesDep) -> Database:
    return services.database


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    with database.session() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session)]


def require_admin(request: Request, database: DatabaseDep) -> None:
    """Accept `Authorization: Bearer <admin token>` or a logged-in admin UI session."""
    if request.scope.get("session", {}).get("admin_user"):
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        with database.session() as session:
            if admin.verify_token(session, token.strip()):
                return
    raise HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="admin token required",
        headers={"WWW-Authenticate": "Bearer"},
    )


AdminDep = Depends(require_admin)
