"""Issue 14, low: agent-link keys come from a key of their own (HKDF of the secret key with
its own label), so a key is never a MAC made with the key that encrypts every stored
secret — whatever the message format."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit


def _mac_with_the_secret_key(secret: str, message: str) -> str:
    mac = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()


def test_agent_keys_are_not_made_with_the_encryption_key(admin, settings):
    """covers S3 (issue 14): the link the API hands out works; the same message MACed with
    the secret key itself (today's message format, generation 0) opens nothing."""
    link = admin.get("/api/v1/agents/1001/link").json()["url"]
    key = parse_qs(urlsplit(link).query)["key"][0]
    del admin.headers["Authorization"]  # from here on, as an agent's browser
    assert admin.get("/agent/1001", params={"key": key}).status_code == 200
    forged = _mac_with_the_secret_key(settings.resolved_secret_key(), "agent:0:1001")
    assert forged != key
    assert admin.get("/agent/1001", params={"key": forged}).status_code == 403
    stream = admin.get("/api/v1/agents/1001/events", params={"key": forged})
    assert stream.status_code == 401
