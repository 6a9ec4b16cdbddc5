"""Routes of the site itself: `/` (to the admin UI), `/favicon.ico`, and the interactive API
documentation `/docs` (Swagger UI) and `/redoc` (ReDoc).

FastAPI's own `/docs` and `/redoc` load their JavaScript from a CDN, so they are blank on a
machine without internet. These pages load the same tools from `/static/vendor/` (copied
from npm with their licences, see `static/vendor/README.md`), and start them from a static
script: no inline script, so a `default-src 'self'` Content-Security-Policy can hold.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from ringdesk.web.render import templates

__all__ = ["STATIC", "router"]

STATIC = Path(__file__).resolve().parents[1] / "static"

router = APIRouter(include_in_schema=False)


@router.get("/")
def root() -> Response:
    """A bare `http://host:port/` is someone looking for ringdesk: the admin UI."""
    return RedirectResponse("/admin/", status_code=307)


@router.get("/favicon.ico")
def favicon() -> Response:
    # Browsers ask for /favicon.ico on their own (pages also link the SVG one).
    return FileResponse(
        STATIC / "favicon.ico",
        media_type="image/vnd.microsoft.icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def _openapi_url(request: Request) -> str:
    url = getattr(request.app, "openapi_url", None)
    return str(url or "/openapi.json")


@router.get("/docs")
def swagger_ui(request: Request) -> Response:
    """Swagger UI over the app's OpenAPI schema, served entirely by ringdesk."""
    return templates.TemplateResponse(
        request, "apidocs_swagger.html", {"openapi_url": _openapi_url(request)}
    )


@router.get("/redoc")
def redoc(request: Request) -> Response:
    """ReDoc over the app's OpenAPI schema, served entirely by ringdesk."""
    return templates.TemplateResponse(
        request, "apidocs_redoc.html", {"openapi_url": _openapi_url(request)}
    )
