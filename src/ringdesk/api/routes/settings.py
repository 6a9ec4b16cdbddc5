"""REST resource: the PBX side of the settings (I2): the webhook URLs to give a PBX, where the
webhook secret comes from, and rotating it.

The secret itself is returned only by the rotation that creates it; afterwards it is
shown masked (its last four characters), and `ringdesk admin show-webhook-secret` prints it
on the host. A secret set in the environment (`RINGDESK_WEBHOOK_SECRET`) is rotated there.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from ringdesk.api.deps import AdminDep, SettingsDep
from ringdesk.config import Settings
from ringdesk.errors import ConfigError
from ringdesk.events.yeastar import url_token

__all__ = ["CURL_EXAMPLE", "WebhookSettings", "curl_example", "router", "webhook_settings"]

router = APIRouter(tags=["settings"], dependencies=[AdminDep])

EVENTS_PATH = "/api/v1/events"
YEASTAR_PATH = "/api/v1/events/yeastar"
# The curl example of docs/pbx/webhook.md, line for line (a test keeps the two equal).
CURL_EXAMPLE = """\
BODY='{"type":"call.ringing","call_id":"example-call-2","direction":"inbound","from":{"number":"+4930123456","name":"Ada Lovelace"},"to":{"number":"1001"},"extension":"1001","timestamp":1732521600}'
SIGNATURE=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$RINGDESK_WEBHOOK_SECRET" | sed 's/^.*= //')
curl -sS -X POST "$RINGDESK_URL/api/v1/events" \\
  -H "Content-Type: application/json" \\
  -H "X-Ringdesk-Signature: sha256=$SIGNATURE" \\
  --data-binary "$BODY"
"""  # noqa: E501 (a shell line copied whole)


class WebhookSettings(BaseModel):
    """Where a PBX sends call events, and the state of the secret that signs them."""

    webhook_url: str
    yeastar_url: str
    secret_source: Literal["environment", "file", "none"]
    secret_hint: str | None
    key_file: str | None
    rotatable: bool
    curl_example: str
    secret: str | None = None  # only in the answer of the rotation that made it


def _hint(secret: str) -> str:
    return "…" + secret[-4:] if len(secret) >= 12 else "…"


def curl_example(public_url: str) -> str:
    """The docs' curl example, preceded by the variables it reads (the secret elided)."""
    return (
        f"RINGDESK_URL={public_url.rstrip('/')}\n"
        "RINGDESK_WEBHOOK_SECRET='…'  # the secret (ringdesk admin show-webhook-secret)\n"
        + CURL_EXAMPLE
    )


def webhook_settings(settings: Settings, *, secret: str | None = None) -> WebhookSettings:
    """The webhook settings of `settings`; reads the key file, never creates it."""
    base = settings.public_url.rstrip("/")
    current: str | None
    if settings.webhook_secret:
        source: Literal["environment", "file", "none"] = "environment"
        current = settings.webhook_secret
    else:
        try:
            current = settings.webhook_key_path.read_text().strip() or None
        except FileNotFoundError:
            current = None
        source = "file" if current else "none"
    yeastar = f"{base}{YEASTAR_PATH}?token={url_token(current)}" if current else ""
    return WebhookSettings(
        webhook_url=base + EVENTS_PATH,
        yeastar_url=yeastar,
        secret_source=source,
        secret_hint=_hint(current) if current else None,
        key_file=None if source == "environment" else str(settings.webhook_key_path),
        rotatable=source != "environment",
        curl_example=curl_example(base),
        secret=secret,
    )


@router.get("/settings/webhook")
def get_webhook_settings(settings: SettingsDep) -> WebhookSettings:
    """The generic and Yeastar webhook URLs, the secret's source and a masked hint of it.

    `yeastar_url` is empty until a secret exists (the first event, or a rotation, makes it).
    """
    return webhook_settings(settings)


@router.post("/settings/webhook/rotate")
def rotate_webhook_secret(settings: SettingsDep) -> WebhookSettings:
    """Generate a new webhook secret into the key file and return it (this once).

    Events signed with the old secret, and the old Yeastar URL, are refused from now on.
    409 when the secret is set in the environment: rotate `RINGDESK_WEBHOOK_SECRET` there;
    503 when the key file cannot be written.
    """
    if settings.webhook_secret:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "the webhook secret is set in the environment (RINGDESK_WEBHOOK_SECRET): "
            "rotate it there and restart ringdesk",
        )
    try:
        secret = settings.rotate_webhook_secret()
    except ConfigError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None
    return webhook_settings(settings, secret=secret)
