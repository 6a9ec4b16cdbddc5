"""Signed agent keys: an agent page `/agent/{ext}?key=...` may read that extension's pops.

A key is an HMAC-SHA256 of the extension and its link generation, under an agent-link key
derived from the service's secret key by HKDF with a label of its own: the secret key
encrypts every stored secret, and an agent key must never be a path to it. Each extension
has a generation counter in the database (0 until first revoked); raising it
(`ringdesk admin revoke-agent-link EXT`) revokes that extension's links and no other.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from urllib.parse import quote, urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ringdesk.store import admin
from ringdesk.store.db import Database

__all__ = [
    "agent_key",
    "agent_url",
    "current_agent_url",
    "revoke_agent_links",
    "verify_agent_key",
    "verify_agent_link",
]

_HKDF_INFO = b"ringdesk agent link key v2"


@functools.lru_cache(maxsize=8)
def _link_key(secret: str) -> bytes:
    """The agent-link key: HKDF-SHA256 of the secret key, with its own label."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO)
    return hkdf.derive(secret.encode())


def agent_key(secret: str, extension: str, generation: int = 0) -> str:
    """The key for `extension` at link `generation` (URL-safe, 32 characters)."""
    message = f"agent:{generation}:{extension}".encode()
    mac = hmac.new(_link_key(secret), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()


def verify_agent_key(secret: str, extension: str, key: str | None, generation: int = 0) -> bool:
    """True when `key` is the key of `extension` at `generation` (constant-time)."""
    if not key or not extension:
        return False
    return hmac.compare_digest(agent_key(secret, extension, generation).encode(), key.encode())


def agent_url(public_url: str, secret: str, extension: str, generation: int = 0) -> str:
    """The agent page link for `extension` under `public_url`."""
    query = urlencode({"key": agent_key(secret, extension, generation)})
    return f"{public_url.rstrip('/')}/agent/{quote(extension, safe='')}?{query}"


def verify_agent_link(database: Database, secret: str, extension: str, key: str | None) -> bool:
    """`verify_agent_key` at the extension's current generation (read from the database)."""
    if not key or not extension:
        return False
    with database.session() as session:
        generation = admin.agent_generation(session, extension)
    return verify_agent_key(secret, extension, key, generation)


def current_agent_url(database: Database, public_url: str, secret: str, extension: str) -> str:
    """The link of `extension` at its current generation."""
    with database.session() as session:
        generation = admin.agent_generation(session, extension)
    return agent_url(public_url, secret, extension, generation)


def revoke_agent_links(database: Database, extension: str, *, now: float) -> int:
    """Revoke every link of `extension` made so far; the new generation."""
    with database.session() as session:
        return admin.bump_agent_generation(session, extension, now=now)
