"""The `Authorization` header of each auth method (A4, A7), built from variables (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from ringdesk.templates.model import DEFAULT_AUTH_SCHEME

__all__ = ["auth_header", "authorization_value"]


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

    Basic sends the context's `basic_string` (A4). Bearer and OAuth2 send `access_token`
    when given, else the `AccessToken` variable (A7), after the template's `scheme`
    (`<Bearer scheme="token">` gives `token <T>` for Request Tracker)."""
    if method == "basic":
        value = variables.get("basic_string", "")
        return {"Authorization": f"Basic {value}"} if value else {}
    if method in ("bearer", "oauth2"):
        token = access_token if access_token is not None else variables.get("AccessToken", "")
        return {"Authorization": authorization_value(scheme, token)} if token else {}
    return {}
