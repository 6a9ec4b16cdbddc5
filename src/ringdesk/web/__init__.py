"""Admin web UI and the agent screen-pop page (server-rendered, Jinja2, no CDN)."""

from __future__ import annotations

from fastapi import FastAPI

__all__ = ["mount"]


def mount(app: FastAPI) -> None:
    """Add the UI routes and static assets to `app`."""
