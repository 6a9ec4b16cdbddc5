"""REST resource: extensions (see spec api.md)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["extensions"])
