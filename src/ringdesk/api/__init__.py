"""The HTTP API (FastAPI): REST under /api/v1, the admin UI and the agent page."""

from __future__ import annotations

from ringdesk.api.app import create_app

__all__ = ["create_app"]
