"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter

from ringdesk.api.deps import DatabaseDep

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(database: DatabaseDep) -> dict[str, str]:
    return {"status": "ok", "database": database.ping()}
