"""The demo helpdesk's credentials: a static API token, and an OAuth2 authorization-code
server with refresh-token rotation (each refresh token works once).

Pure state machine guarded by a lock; the HTTP handlers live in `demo.app`.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["OAuthError", "TokenIssuer"]


class OAuthError(Exception):
    """An OAuth2 error response (RFC 6749 §5.2): `error` code and HTTP status."""

    def __init__(self, error: str, description: str = "", status: int = 400):
        self.error = error
        self.description = description
        self.status = status
        super().__init__(error)

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass
class TokenIssuer:
    """Issues and checks tokens. `clock` is injectable so expiry is testable."""

    api_token: str
    client_id: str
    client_secret: str
    access_token_ttl: int = 3600
    code_ttl: int = 300
    clock: Callable[[], float] = time.time
    _codes: dict[str, tuple[str, float]] = field(default_factory=dict)  # code → (redirect, exp)
    _access: dict[str, float] = field(default_factory=dict)  # token → expiry
    _refresh: set[str] = field(default_factory=set)
    refreshes: int = 0
    expiries: int = 0
    revocations: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check_client(self, client_id: str | None, client_secret: str | None) -> None:
        # A missing secret is accepted (public client); a wrong one is not.
        if client_id not in (None, "", self.client_id):
            raise OAuthError("invalid_client", "unknown client_id", 401)
        if client_secret not in (None, "", self.client_secret):
            raise OAuthError("invalid_client", "bad client_secret", 401)

    def new_code(self, redirect_uri: str) -> str:
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = (redirect_uri, self.clock() + self.code_ttl)
        return code

    def _pair(self) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self._access[access] = self.clock() + self.access_token_ttl
        self._refresh.add(refresh)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": self.access_token_ttl,
        }

    def exchange_code(self, code: str | None, redirect_uri: str | None) -> dict[str, Any]:
        with self._lock:
            entry = self._codes.pop(code or "", None)
            if entry is None or entry[1] < self.clock():
                raise OAuthError("invalid_grant", "unknown, used or expired code")
            if redirect_uri and redirect_uri != entry[0]:
                raise OAuthError("invalid_grant", "redirect_uri does not match")
            return self._pair()

    def refresh(self, refresh_token: str | None) -> dict[str, Any]:
        with self._lock:
            if not refresh_token or refresh_token not in self._refresh:
                raise OAuthError("invalid_grant", "unknown or already used refresh token")
            self._refresh.discard(refresh_token)  # rotation: each refresh token works once
            self.refreshes += 1
            return self._pair()

    def expire_access_tokens(self) -> None:
        """Make every access token expired now (to test refresh-on-401)."""
        with self._lock:
            for token in self._access:
                self._access[token] = 0.0
            self.expiries += 1

    def revoke_access_tokens(self) -> None:
        """Forget every access token (as a helpdesk does when an admin revokes them): they
        are refused although not expired; refresh tokens still work."""
        with self._lock:
            self._access.clear()
            self.revocations += 1

    def authorised(self, bearer: str) -> bool:
        """True for the static API token or an unexpired access token."""
        if secrets.compare_digest(bearer.encode(), self.api_token.encode()):
            return True
        with self._lock:
            expiry = self._access.get(bearer)
        return expiry is not None and expiry > self.clock()
