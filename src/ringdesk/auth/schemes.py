"""Request headers for the auth methods (A4, A7) and the template's custom headers (H1–H3),
built from variables (pure)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping

from ringdesk.integrations.render import render
from ringdesk.templates.model import Header

__all__ = ["auth_header", "basic_string", "custom_headers", "merge_headers"]


def basic_string(format_template: str, variables: Mapping[str, str]) -> str:
    """A4: Base64 of the rendered Basic `Format` template."""
    return base64.b64encode(render(format_template, variables).encode()).decode()


def auth_header(
    method: str, variables: Mapping[str, str], access_token: str | None = None
) -> dict[str, str]:
    """The `Authorization` header of an auth method, or `{}` (none, or no credential yet)."""
    if method == "basic":
        value = variables.get("basic_string", "")
        return {"Authorization": f"Basic {value}"} if value else {}
    if method in ("bearer", "oauth2"):
        token = access_token if access_token is not None else variables.get("AccessToken", "")
        return {"Authorization": f"Bearer {token}"} if token else {}
    return {}


def custom_headers(headers: Iterable[Header], variables: Mapping[str, str]) -> dict[str, str]:
    """H1: the template's headers, values rendered with the variables."""
    return {h.name: render(h.value, variables).strip() for h in headers if h.name}


def merge_headers(*layers: Mapping[str, str]) -> dict[str, str]:
    """Later layers win, names compared case-insensitively (H3: a custom `Authorization`
    replaces the one the auth method produced)."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        for name, value in layer.items():
            merged[name.lower()] = (name, value)
    return dict(merged.values())
