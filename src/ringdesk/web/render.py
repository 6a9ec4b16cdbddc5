"""Jinja2 page rendering shared by every view: layout context (user, CSRF token, flash)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from ringdesk.services import Services
from ringdesk.web.csrf import csrf_token

__all__ = ["flash", "render", "services_of", "templates"]

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def services_of(request: Request) -> Services:
    """The app's shared services (handed over by its lifespan)."""
    services: Services = request.state.services
    return services


def flash(request: Request, message: str, kind: str = "info") -> None:
    """Queue a one-time message shown on the next page (after a POST → redirect)."""
    messages = list(request.session.get("flash", []))
    messages.append({"kind": kind, "text": message})
    request.session["flash"] = messages[-5:]


def render(request: Request, name: str, *, status_code: int = 200, **context: Any) -> Response:
    """Render `name` with the layout's context; pops the pending flash messages."""
    user = request.session.get("admin_user")
    flashes = request.session.pop("flash", []) if "flash" in request.session else []
    base = {
        "user": user if isinstance(user, str) else None,
        "csrf": csrf_token(request),
        "flashes": flashes,
        "path": request.url.path,
    }
    base.update(context)
    return templates.TemplateResponse(request, name, base, status_code=status_code)
