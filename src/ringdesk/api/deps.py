"""FastAPI dependencies as `Annotated` aliases: settings, database session, admin auth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from ringdesk.config import Settings
from ringdesk.store.admin_tokens import verify_token
from ringdesk.store.db import Database

__all__ = ["AdminDep", "DatabaseDep", "SessionDep", "SettingsDep"]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


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
            if verify_token(session, token.strip()):
                return
    raise HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="admin token required",
        headers={"WWW-Authenticate": "Bearer"},
    )


AdminDep = Depends(require_admin)
