"""REST resource: administration — admin API tokens (named, optionally expiring, revocable;
the secret is in the answer to its creation only) and changing an admin UI password.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from ringdesk.api.deps import AdminDep, CallerDep, ServicesDep, SessionDep
from ringdesk.store import admin
from ringdesk.store.tables import AdminToken
from ringdesk.web.accounts import change_password
from ringdesk.web.sessions import session_id

__all__ = ["TOKEN_DAY", "router", "token_view"]

router = APIRouter(tags=["admin"], dependencies=[AdminDep])

TOKEN_DAY = 86_400.0


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="What the token is for.")
    expires_days: float | None = Field(
        default=None, gt=0, le=3650, description="Days until it stops working; none: never."
    )


class PasswordIn(BaseModel):
    current_password: str = Field(max_length=2000)
    new_password: str = Field(max_length=2000)
    username: str | None = Field(
        default=None,
        max_length=100,
        description="Whose password; only with a bearer token (a session changes its own).",
    )


def token_view(row: AdminToken, *, now: float) -> dict[str, Any]:
    """A token as listed: never its secret or hash."""
    if row.revoked_at is not None:
        state = "revoked"
    elif row.expires_at is not None and row.expires_at <= now:
        state = "expired"
    else:
        state = "active"
    return {
        "id": row.id,
        "name": row.name,
        "state": state,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "last_used_at": row.last_used_at,
        "revoked_at": row.revoked_at,
    }


@router.get("/admin/tokens")
def list_tokens(services: ServicesDep, session: SessionDep) -> list[dict[str, Any]]:
    """Every admin API token, newest last, with its state (active, expired, revoked)."""
    now = services.clock.now()
    return [token_view(row, now=now) for row in admin.list_tokens(session)]


@router.post("/admin/tokens", status_code=201)
def create_token(body: TokenIn, services: ServicesDep, session: SessionDep) -> dict[str, Any]:
    """Create a token; `token` in the answer is its secret, shown this once only."""
    now = services.clock.now()
    expires = now + body.expires_days * TOKEN_DAY if body.expires_days else None
    row, token = admin.new_token(session, body.name.strip(), expires_at=expires)
    return {**token_view(row, now=now), "token": token}


@router.delete("/admin/tokens/current", status_code=204)
def revoke_current_token(caller: CallerDep, services: ServicesDep, session: SessionDep) -> Response:
    """Revoke the token this request is authorised with (a script cleaning up after itself)."""
    if caller.token_id is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "this request carries no admin token")
    admin.revoke_token(session, caller.token_id, now=services.clock.now())
    return Response(status_code=204)


@router.delete("/admin/tokens/{token_id}", status_code=204)
def revoke_token(token_id: int, services: ServicesDep, session: SessionDep) -> Response:
    """Revoke a token: it stops working at once (it stays listed as revoked)."""
    if not admin.revoke_token(session, token_id, now=services.clock.now()):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no admin token {token_id}")
    return Response(status_code=204)


@router.post("/admin/password")
def set_password(
    body: PasswordIn, request: Request, caller: CallerDep, session: SessionDep
) -> dict[str, Any]:
    """Change an admin UI password (the current one is required). Every other session of
    that user is logged out; the calling session stays logged in."""
    username = caller.username or body.username
    if not username:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"field": "username", "message": "required with a bearer token"}],
        )
    if caller.username and body.username and body.username != caller.username:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a session changes its own password only")
    try:
        revoked = change_password(
            session,
            username,
            body.current_password,
            body.new_password,
            keep_session=session_id(request) if caller.username else None,
        )
    except PermissionError as exc:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            [{"field": "current_password", "message": str(exc)}],
        ) from None
    except ValueError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"field": "new_password", "message": str(exc)}],
        ) from None
    return {"username": username, "sessions_revoked": revoked}
