"""REST resource: PBX extensions `{number, name, email}` (api.md; used by U5/U6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from ringdesk.api.deps import AdminDep, SessionDep
from ringdesk.store import users as repo
from ringdesk.store.tables import Extension

__all__ = ["ExtensionIn", "ExtensionPublic", "router"]

router = APIRouter(tags=["extensions"], dependencies=[AdminDep])

_NUMBER = r"^[0-9A-Za-z*#+_.-]{1,40}$"
NumberPath = Annotated[str, Path(pattern=_NUMBER)]


class ExtensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str | None = Field(default=None, pattern=_NUMBER)
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320, pattern=r"^$|^[^@\s]+@[^@\s]+$")


class ExtensionPublic(BaseModel):
    number: str
    name: str
    email: str


def _public(row: Extension) -> ExtensionPublic:
    return ExtensionPublic(number=row.number, name=row.name, email=row.email)


@router.get("/extensions")
def list_extensions(session: SessionDep) -> list[ExtensionPublic]:
    return [_public(r) for r in repo.list_extensions(session)]


@router.get("/extensions/{number}")
def get_extension(number: NumberPath, session: SessionDep) -> ExtensionPublic:
    row = repo.get_extension(session, number)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no extension {number!r}")
    return _public(row)


@router.put("/extensions/{number}")
def put_extension(number: NumberPath, body: ExtensionIn, session: SessionDep) -> ExtensionPublic:
    """Create or replace an extension; a `number` in the body must match the path."""
    if body.number is not None and body.number != number:
        raise HTTPException(422, "number in the body differs from the path")
    return _public(repo.upsert_extension(session, number, name=body.name, email=body.email))


@router.delete("/extensions/{number}", status_code=status.HTTP_204_NO_CONTENT)
def delete_extension(number: NumberPath, session: SessionDep) -> Response:
    if not repo.delete_extension(session, number):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no extension {number!r}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
