"""The REST API reference, rendered as Markdown from the app's own OpenAPI schema.

The app is built with throwaway settings (an in-memory database, no key files, no
background work); nothing is served. Which operations need the admin token is read from
the routes' dependencies (`ringdesk.api.deps.require_admin`), which OpenAPI does not show.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from ringdesk.api.app import create_app
from ringdesk.api.deps import require_admin
from ringdesk.config import Settings
from ringdesk_docgen.markdown import code, table

__all__ = ["build_app", "operations", "rest_api_markdown"]

_METHODS = ("get", "post", "put", "patch", "delete")


def build_app() -> FastAPI:
    """The app as `ringdesk serve` builds it, but touching no file and running nothing."""
    settings = Settings(
        database_url="sqlite://",
        data_dir="/nonexistent/ringdesk-docs",
        secret_key="docs-build-only",  # noqa: S106 (signs nothing: no request is served)
        webhook_secret="docs-build-only",  # noqa: S106 (the same)
        run_workers=False,
    )
    return create_app(settings)


def _needs_admin(dependant: Dependant) -> bool:
    return any(d.call is require_admin or _needs_admin(d) for d in dependant.dependencies)


def _api_routes(app: FastAPI) -> Iterator[Any]:
    """Every API route with its effective path and dependencies. FastAPI >= 0.165 keeps
    included routers lazy and flattens them with `iter_route_contexts`; before, `app.routes`
    held the flat `APIRoute`s."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    routes: Iterable[Any] = app.routes if flatten is None else flatten(app.routes)
    for route in routes:
        original = getattr(route, "original_route", route)
        if isinstance(original, APIRoute):
            yield route


def _admin_operations(app: FastAPI) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in _api_routes(app):
        if _needs_admin(route.dependant):
            found.update((m.lower(), route.path) for m in route.methods or ())
    return found


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) for every operation in `schema`, in path order."""
    for path, item in schema["paths"].items():
        for method in _METHODS:
            if method in item:
                yield method, path, item[method]


def _schema_text(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in schema:
        return " or ".join(_schema_text(s) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_schema_text(schema.get('items', {}))}"
    if "enum" in schema:
        return " \\| ".join(code(json.dumps(v)) for v in schema["enum"])
    return str(kind)


def _operation(method: str, path: str, op: dict[str, Any], admin: bool) -> list[str]:
    parts = [f"### {method.upper()} {path}", ""]
    auth = "admin token" if admin else "no admin token"
    parts += [f"*{op.get('summary', '')}* — authentication: {auth}.", ""]
    if op.get("description"):
        parts += [op["description"].strip(), ""]
    params = op.get("parameters", [])
    if params:
        rows = [
            [
                code(p["name"]),
                p["in"],
                _schema_text(p.get("schema", {})),
                "yes" if p.get("required") else "no",
                p.get("description", ""),
            ]
            for p in params
        ]
        parts += [table(["parameter", "in", "type", "required", "meaning"], rows), ""]
    body = op.get("requestBody")
    if body:
        rows = [[code(t), _schema_text(c.get("schema", {}))] for t, c in body["content"].items()]
        parts += [table(["request body", "schema"], rows), ""]
    rows = []
    for status, response in op.get("responses", {}).items():
        content = response.get("content", {})
        schemas = ", ".join(
            f"{code(t)} {_schema_text(c.get('schema', {}))}" for t, c in content.items()
        )
        rows.append([code(status), response.get("description", ""), schemas])
    parts += [table(["status", "meaning", "body"], rows), ""]
    return parts


def _schemas(schema: dict[str, Any]) -> list[str]:
    parts = ["## Schemas", ""]
    for name, component in schema.get("components", {}).get("schemas", {}).items():
        parts += [f"### {name}", ""]
        if component.get("description"):
            parts += [component["description"].strip(), ""]
        properties = component.get("properties", {})
        required = set(component.get("required", []))
        if properties:
            rows = [
                [
                    code(field),
                    _schema_text(spec),
                    "yes" if field in required else "no",
                    spec.get("description", ""),
                ]
                for field, spec in properties.items()
            ]
            parts += [table(["field", "type", "required", "meaning"], rows), ""]
    return parts


def rest_api_markdown() -> str:
    """Operations grouped by tag, each with parameters, body and responses; then schemas."""
    app = build_app()
    schema = app.openapi()
    admin = _admin_operations(app)
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for method, path, op in operations(schema):
        tag = (op.get("tags") or ["other"])[0]
        by_tag.setdefault(tag, []).append((method, path, op))
    info = schema["info"]
    parts = [f"OpenAPI {schema['openapi']}, {info['title']} {info['version']}.", ""]
    for tag, ops in by_tag.items():
        parts += [f"## {tag}", ""]
        for method, path, op in ops:
            parts += _operation(method, path, op, (method, path) in admin)
    parts += _schemas(schema)
    return "\n".join(parts)
