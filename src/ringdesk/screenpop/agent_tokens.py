"""Signed agent keys: an agent page `/agent/{ext}?key=...` may read that extension's pops.

The key is an HMAC-SHA256 of the extension with the service's secret key, so it needs no
storage; rotating the secret key revokes every agent link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, urlencode

__all__ = ["agent_key", "agent_url", "verify_agent_key"]


def agent_key(secret: str, extension: str) -> str:
    """The key for `extension` (URL-safe, 32 characters)."""
    mac = hmac.new(secret.encode(), f"agent:{extension}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()


def verify_agent_key(secret: str, extension: str, key: str | None) -> bool:
    """True when `key` is the key of `extension` (constant-time comparison)."""
    if not key:
        return False
    return hmac.compare_digest(agent_key(secret, extension).encode(), key.encode())


def agent_url(public_url: str, secret: str, extension: str) -> str:
    """The agent page link for `extension` under `public_url`."""
    query = urlencode({"key": agent_key(secret, extension)})
    return f"{public_url.rstrip('/')}/agent/{quote(extension, safe='')}?{query}"
