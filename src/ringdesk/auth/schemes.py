"""Request headers for the auth methods (A4–A7) and the template's custom headers (H1–H3),
built from variables (pure)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping

from ringdesk.integrations.render import render
from ringdesk.templates.model import DEFAULT_AUTH_SCHEME, Header

__all__ = [
    "auth_header",
    "authorization_value",
    "basic_string",
    "custom_headers",
    "merge_headers",
]


def basic_string(format_template: str, variables: Mapping[str, str]) -> str:
    """A4: Base64 of the rendered Basic `Format` template."""
    return base64.b64encode(render(format_template, variables).encode()).decode()


def authorization_value(scheme: str, token: str) -> str:
    """`<scheme> <token>`; `<scheme><token>` when the scheme ends with `=` (Zammad's
    `Token token=`). A blank scheme is `Bearer`."""
    scheme = scheme.strip() or DEFAULT_AUTH_SCHEME
    return f"{scheme}{token}" if scheme.endswith("=") else f"{scheme} {token}"


def auth_header(
    method: str,
    variables: Mapping[str, str],
    access_token: str | None = None,
    scheme: str = DEFAULT_AUTH_SCHEME,
) -> dict[str, str]:
    """The `Authorization` header of an auth method, or `{}` (none, or no credential yet).

    `scheme` applies to the token methods (bearer, oauth2): the template's
    `Authentication.scheme` (`<Bearer scheme="token">` gives `token <T>` for Request
    Tracker). Basic is always `Basic <basic_string>`."""
    if method == "basic":
        value = variables.get("basic_string", "")
        return {"Authorization": f"Basic {value}"} if value else {}
    if method in ("bearer", "oauth2"):
        token = access_token if access_token is not None else variables.get("AccessToken", "")
        return {"Authorization": authorization_value(scheme, token)} if token else {}
    return {}


def custom_headers(
    headers: Iterable[Header], variables: Mapping[str, str], scope: str = "scenarios"
) -> dict[str, str]:
    """H1/H2: the template's headers that apply to `scope` (`HEADER_SCOPES`: scenarios,
    followups, extra, token), values rendered with the variables."""
    return {
        h.name: render(h.value, variables).strip() for h in headers if h.name and h.applies(scope)
    }


def merge_headers(*layers: Mapping[str, str]) -> dict[str, str]:
    """Later layers win, names compared case-insensitively (H3: a custom `Authorization`
    replaces the one the auth method produced)."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        for name, value in layer.items():
            merged[name.lower()] = (name, value)
    return dict(merged.values())
