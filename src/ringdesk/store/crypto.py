"""Secrets at rest (A9): a Fernet box keyed from the service's secret key.

Integration secrets (password fields, tokens, client secrets) are kept as one encrypted JSON
object per integration; nothing else in the database holds them in clear.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from ringdesk.errors import ConfigError

__all__ = ["SecretBox"]


def _fernet_key(key: str) -> bytes:
    raw = key.strip().encode()
    try:
        Fernet(raw)
    except ValueError:
        # An operator-chosen passphrase rather than a Fernet key: derive one from it.
        return base64.urlsafe_b64encode(hashlib.sha256(raw).digest())
    return raw


class SecretBox:
    """Encrypts and decrypts JSON objects of secrets."""

    def __init__(self, key: str):
        if not key:
            raise ConfigError("an empty secret key cannot protect secrets")
        self._fernet = Fernet(_fernet_key(key))

    def encrypt(self, data: dict[str, Any]) -> bytes:
        """Encrypt a JSON-serialisable mapping."""
        return self._fernet.encrypt(json.dumps(data, sort_keys=True).encode())

    def decrypt(self, token: bytes | None) -> dict[str, Any]:
        """Decrypt what `encrypt` made; `None`/empty gives `{}`.

        Raises `ConfigError` when the key does not match (the secret key was changed).
        """
        if not token:
            return {}
        try:
            value = json.loads(self._fernet.decrypt(bytes(token)))
        except InvalidToken:
            raise ConfigError("stored secrets cannot be decrypted with this secret key") from None
        if not isinstance(value, dict):
            raise ConfigError("stored secrets are not an object")
        return value
