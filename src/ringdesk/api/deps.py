"""FastAPI dependencies as `Annotated` aliases: the shared services, settings, a database
session, and admin authentication (a bearer token, or the admin UI session with its CSRF
token)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from ringdesk.config import Settings
from ringdesk.services import Services
from ringdesk.store import admin
from ringdesk.store.db import Database, Session
from ringdesk.web.csrf import CSRF_HEADER, UNSAFE_METHODS, csrf_matches
from ringdesk.web.sessions import USER_KEY

__all__ = [
    "AdminDep",
    "Caller",
    "CallerDep",
    "DatabaseDep",
    "ServicesDep",
    "SessionDep",
    "SettingsDep",
    "get_services",
    "require_admin",
]


async def get_services(request: Request) -> Services:
    """The app's services, handed over by its lifespan. `async` (it does no I/O): FastAPI
    runs a plain `def` dependency in a worker thread, a thread hop on every request."""
    services: Services = request.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_settings(services: ServicesDep) -> Settings:
    return services.settings


async def get_database(services: ServicesDep) -> Database:
    return services.database


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    with database.session() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class Caller:
    """Who an admin request comes from: an admin API token (its id) or a logged-in admin
    UI session (its user name)."""

    token_id: int | None = None
    username: str | None = None


def require_admin(request: Request, services: ServicesDep) -> Caller:
    """Accept `Authorization: Bearer <live admin token>`, or a logged-in admin UI session.

    A request that rides on the session cookie is forgeable by other sites, so an unsafe one
    (POST, PUT, PATCH, DELETE) must carry the session's CSRF token in `X-CSRF-Token`,
    whatever other headers come with it. Only a valid bearer token makes it unnecessary.
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        now = services.clock.now()
        with services.database.session() as session:
            row = admin.token_row(session, token.strip(), now=now)
            if row is not None:
                row.last_used_at = now
                return Caller(token_id=row.id)
    data = request.scope.get("session") or {}
    user = data.get(USER_KEY)
    if isinstance(user, str) and user:
        if request.method in UNSAFE_METHODS and not csrf_matches(
            data, request.headers.get(CSRF_HEADER)
        ):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF token missing or wrong")
        return Caller(username=user)
    raise HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="admin token required",
        headers={"WWW-Authenticate": "Bearer"},
    )


AdminDep = Depends(require_admin)
CallerDep = Annotated[Caller, Depends(require_admin)]
