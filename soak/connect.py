"""Set ringdesk up for a soak run the way a user does: through the admin REST API with an
admin token, connecting the built-in OAuth2 demo template (authorize → approve → callback),
so token expiry and refresh are exercised; helpdesk users tied to extensions by email.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from soak.plan import EXTENSIONS

__all__ = ["INTEGRATION_OPTIONS", "connect_integration", "tie_extensions"]

# Contacts for unknown callers, a log for every call, a ticket for every missed call.
INTEGRATION_OPTIONS: dict[str, Any] = {
    "sync_contact_types": ["Contacts"],
    "create_contact": {"enabled": True, "contact_type": "Contacts"},
    "call_log": {"enabled": True},
    "ticket": {"enabled": True, "when": "missed"},
}
# The demo helpdesk's seeded users, in the order of EXTENSIONS.
_USERS = [
    ("Alice Archer", "alice@example.com"),
    ("Bob Baker", "bob@example.com"),
    ("Carol Chen", "carol@example.com"),
    ("Dan Dorsey", "dan@example.com"),
    ("Eve Evans", "eve@example.com"),
]


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:300]}"
        )
    return response.json() if response.content else None


def tie_extensions(api: httpx.Client) -> None:
    """Extensions 1001-1005 named after the demo's users, with their emails."""
    for number, (name, email) in zip(EXTENSIONS, _USERS, strict=True):
        _ok(api.put(f"/api/v1/extensions/{number}", json={"name": name, "email": email}))


def _approve(authorize_url: str) -> None:
    """What the user's click on the helpdesk's Approve button does: POST the form, then
    follow the redirect to ringdesk's OAuth2 callback."""
    parts = urlsplit(authorize_url)
    form = dict(parse_qsl(parts.query))
    form["decision"] = "approve"
    with httpx.Client(timeout=60, follow_redirects=False) as browser:
        approved = browser.post(f"{parts.scheme}://{parts.netloc}{parts.path}", data=form)
        if approved.status_code != 302:
            raise RuntimeError(f"approve: {approved.status_code} {approved.text[:300]}")
        callback = browser.get(approved.headers["location"], headers={"Accept": "application/json"})
        if callback.status_code >= 400:
            raise RuntimeError(f"OAuth callback: {callback.status_code} {callback.text[:300]}")


def connect_integration(
    api: httpx.Client, helpdesk_url: str, *, name: str = "Soak helpdesk", oauth: bool = True
) -> int:
    """Create, connect (OAuth2 or the demo's API token), sync users and contacts; returns
    the integration id."""
    from ringdesk.demo.app import DEFAULT_API_TOKEN, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    if oauth:
        template = "demo_oauth"
        fields = {
            "base_url": helpdesk_url,
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        }
    else:
        template, fields = "demo", {"base_url": helpdesk_url, "api_token": DEFAULT_API_TOKEN}
    body = {"template_id": template, "name": name, "fields": fields}
    created = _ok(api.post("/api/v1/integrations", json={**body, "options": INTEGRATION_OPTIONS}))
    integration_id = int(created["id"])
    started = _ok(api.post(f"/api/v1/integrations/{integration_id}/connect"))
    if started["status"] == "redirect":
        _approve(started["url"])
    status = _ok(api.get(f"/api/v1/integrations/{integration_id}"))["status"]
    if status != "connected":
        raise RuntimeError(f"integration {integration_id} is {status!r} after connecting")
    _ok(api.post(f"/api/v1/integrations/{integration_id}/users/sync"))
    _ok(api.post(f"/api/v1/integrations/{integration_id}/users/auto-associate"))
    _ok(api.post(f"/api/v1/integrations/{integration_id}/contacts/sync"))
    return integration_id
