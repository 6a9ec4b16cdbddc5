"""The `Authorization` header of each auth method (A4, A7), built from variables (pure)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["auth_header"]


def auth_header(
    method: str, variables: Mapping[str, str], access_token: str | None = None
) -> dict[str, str]:
    """The `Authorization` header of an auth method, or `{}` (none, or no credential yet).

    Basic sends the context's `basic_string` (A4); bearer and OAuth2 send `access_token`
    when given, else the `AccessToken` variable (A7)."""
    if method == "basic":
        value = variables.get("basic_string", "")
        return {"Authorization": f"Basic {value}"} if value else {}
    if method in ("bearer", "oauth2"):
        token = access_token if access_token is not None else variables.get("AccessToken", "")
        return {"Authorization": f"Bearer {token}"} if token else {}
    return {}
